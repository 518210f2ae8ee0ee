/**
 * `pnpm chaos` — runs bounded load against the platform on loopback (mcp-network reads through
 * Catalyst Center, mcp-itsm idempotent writes to ServiceNow) while it breaks each dependency in
 * turn, and prints per fault: answers by outcome code, requests lost (no answer within the client
 * deadline, or the connection cut after the request was sent — must be 0), duplicated writes
 * (must be 0) and the time to recover after the fault ends.
 *
 * Faults go through in-process TCP fault proxies (packages/tooling/src/fault-proxy.ts) between the
 * services and OPA, the IdP, OpenBao, Redis and the upstream simulators (refuse = down,
 * hang = stuck); OpenBao is also really sealed and unsealed; mcp-network is stopped gracefully
 * (SIGTERM, it drains) and crashed (SIGKILL: its in-flight direct requests are lost), then
 * restarted; a third kind of load reads the same tool through the MCP gateway (mcp-gateway →
 * mcp-network), which must answer every request, also while mcp-network is gone. Exit code 1 when
 * anything was lost or written twice.
 *
 * Deployments: a fourth kind of load starts deployment workflows (mcp-network → Temporal → the deploy
 * worker → Catalyst Center + ServiceNow), approves each as a second person and follows it to its end.
 * The Temporal dev server (its state in a SQLite file, so it survives a restart) sits behind a fault
 * proxy (down / hung) and is also SIGKILLed and restarted; the deploy worker is SIGKILLed mid-load and
 * restarted. Every acknowledged workflow must finish (else it is lost), with one change request and one
 * Catalyst deployment (else duplicated). The gateway reaches mcp-network through two replicas (the
 * second its own process with the same resource identifier); replica 2 is SIGKILLed under load.
 *
 * Options: `--fault-seconds N` (default 6), `--workers N` per load kind (default 3), `--only a,b`.
 * Logs: `.run/chaos/<component>.log`. Everything is on 127.0.0.1 and stops by itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REST_PROXY, SERVERS, WORKERS } from '@mcp-platform/registry';
import { DEV_PASSWORD_GRANT, SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { SEED_IDS, startCatalystCenterSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startFaultProxy, type FaultProxy } from '@mcp-platform/tooling/fault-proxy';
import { freeLoopbackPort } from '@mcp-platform/tooling/local';
import { findOpa } from '@mcp-platform/tooling/opa';
import { OPA_SERVER_ENV, opaServerArgs } from '@mcp-platform/tooling/opa-server';
import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { provisionAppRoles, startDevOpenBao, type DevOpenBao } from '@mcp-platform/tooling/openbao';
import { findRedisServer } from '@mcp-platform/tooling/redis';
import { findTemporal } from '@mcp-platform/tooling/temporal';

const { values } = parseArgs({
  options: { 'fault-seconds': { type: 'string', default: '6' }, workers: { type: 'string', default: '3' }, only: { type: 'string' } },
});
const FAULT_MS = Number(values['fault-seconds']) * 1000;
const WORKERS_PER_KIND = Number(values.workers);
if (!(FAULT_MS > 0) || !(WORKERS_PER_KIND > 0)) throw new TypeError('--fault-seconds and --workers must be positive numbers');
const CLIENT_DEADLINE_MS = 30_000;
const RECOVERY_LIMIT_MS = 45_000;

const root = fileURLToPath(new URL('../', import.meta.url));
const logDir = join(root, '.run', 'chaos');
mkdirSync(logDir, { recursive: true });
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A started child process, its output in `.run/chaos/<name>.log`. */
function run(name: string, command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  children.push(child);
  return child;
}
const tsx = (file: string): [string, string[]] => [process.execPath, ['--import', 'tsx', join(root, file)]];

async function waitFor(url: string, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`${what} did not become ready at ${url} within ${timeoutMs} ms (see ${logDir})`);
}

/** In-process parts and OpenBao, stopped by {@link stopAll} too. */
const cleanups: (() => Promise<unknown>)[] = [];
async function stopAll(): Promise<void> {
  await Promise.allSettled(cleanups.map((c) => c()));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await sleep(1_500);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

// Whatever happens, no child outlives the run.
process.on('uncaughtException', (err) => {
  process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  void stopAll().then(() => process.exit(2));
});
process.on('unhandledRejection', (err) => {
  process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  void stopAll().then(() => process.exit(2));
});

// ---- the platform, each dependency behind a fault proxy ---------------------------------------
const opaBin = findOpa();
if (opaBin === undefined) throw new Error('opa not installed: run `pnpm tools ensure`');
const redisBin = findRedisServer();
const network = SERVERS.find((s) => s.key === 'network');
const itsm = SERVERS.find((s) => s.key === 'itsm');
if (!network?.upstream || !itsm?.upstream) throw new Error('the registry lacks network/itsm');

const temporalBin = findTemporal();
if (temporalBin === undefined) throw new Error('temporal not installed: run `pnpm tools ensure`');
const ports = {
  idp: await freeLoopbackPort(),
  opa: await freeLoopbackPort(),
  catalyst: await freeLoopbackPort(),
  servicenow: await freeLoopbackPort(),
  redis: await freeLoopbackPort(),
  network: await freeLoopbackPort(),
  network2: await freeLoopbackPort(),
  itsm: await freeLoopbackPort(),
  gateway: await freeLoopbackPort(),
  temporal: await freeLoopbackPort(),
  temporalHttp: await freeLoopbackPort(),
  worker: await freeLoopbackPort(),
};
const proxies: Record<string, FaultProxy> = {
  idp: await startFaultProxy(ports.idp),
  opa: await startFaultProxy(ports.opa),
  'catalyst-center': await startFaultProxy(ports.catalyst),
  servicenow: await startFaultProxy(ports.servicenow),
  ...(redisBin ? { redis: await startFaultProxy(ports.redis) } : {}),
  temporal: await startFaultProxy(ports.temporal),
};
const proxied = (name: string) => `http://127.0.0.1:${String(proxies[name]?.port)}`;
const issuer = proxied('idp');

process.stdout.write(`chaos: starting the platform (logs in ${logDir}) …\n`);
const networkUrl = `http://127.0.0.1:${ports.network}/mcp`;
const network2Url = `http://127.0.0.1:${ports.network2}/mcp`;
const itsmUrl = `http://127.0.0.1:${ports.itsm}/mcp`;
const gatewayUrl = `http://127.0.0.1:${ports.gateway}/mcp`;
// In this process (the bin knows only the default ports' resources); the fault proxy still stands in front of it.
const idp = await startIdentityProvider({
  port: ports.idp,
  issuer,
  resourceServers: [...SEED_RESOURCE_SERVERS, { url: networkUrl, name: 'mcp-network (chaos)', ownerClientId: 'mcp-network' }, { url: itsmUrl, name: 'mcp-itsm (chaos)' }, { url: gatewayUrl, name: 'mcp-gateway (chaos)', ownerClientId: 'mcp-gateway' }],
});
cleanups.push(() => idp.stop());
run('opa', opaBin, opaServerArgs({ addr: `127.0.0.1:${ports.opa}`, bundle: POLICY_BUNDLE }), { ...OPA_SERVER_ENV });
// In this process: its deployment records tell duplicated deployments apart (each workflow's params carry a marker).
const catalystSim = await startCatalystCenterSimulator({ port: ports.catalyst, username: 'admin', password: 'dev-only-catalyst-password', taskDurationMs: 3_000 });
cleanups.push(() => catalystSim.stop());
run('servicenow-sim', ...tsx(`packages/sandboxes/${itsm.upstream.simulator.entry}`), { [itsm.upstream.simulator.portEnv]: String(ports.servicenow) });
if (redisBin) run('redis', redisBin, ['--port', String(ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
const baoLog = createWriteStream(join(logDir, 'openbao.log'), { flags: 'a' });
const bao: DevOpenBao = await startDevOpenBao({ rootToken: 'dev-only-chaos-root-token', output: (chunk) => baoLog.write(chunk.replace(/^(Unseal Key|Root Token): .*$/gm, '$1: [REDACTED]')) });
cleanups.push(() => bao.stop());
proxies['vault'] = await startFaultProxy(Number(new URL(bao.url).port));
const vaultServices = [...SERVERS, REST_PROXY, ...WORKERS].filter((s) => s.secrets.length > 0).map((s) => s.name);
const roles = await provisionAppRoles(bao, join(root, 'deploy', 'vault', 'policies'), vaultServices);
await bao.api('POST', 'secret/data/mcp/catalyst-center', { data: { username: 'admin', password: 'dev-only-catalyst-password' } });
await bao.api('POST', 'secret/data/mcp/servicenow', { data: { username: 'admin', password: 'dev-only-servicenow-password' } });

const serverEnv = (name: string, port: number, upstream: Record<string, string>): Record<string, string> => ({
  PORT: String(port),
  OIDC_ISSUER: issuer,
  AUTHZ_MODE: 'opa',
  OPA_URL: proxied('opa'),
  VAULT_ADDR: proxied('vault'),
  VAULT_AUTH_METHOD: 'approle',
  VAULT_ROLE_ID: roles[name]?.roleId ?? '',
  VAULT_SECRET_ID: roles[name]?.secretId ?? '',
  ALLOW_DEV_SECRETS: 'false',
  // Short upstream timeouts so a hung dependency turns into an answer well within the client's deadline.
  CATALYST_TIMEOUT_MS: '3000',
  SERVICENOW_TIMEOUT_MS: '3000',
  REQUEST_TIMEOUT_MS: '20000',
  LOG_LEVEL: 'warn',
  ...(redisBin ? { REDIS_URL: `redis://127.0.0.1:${String(proxies['redis']?.port)}` } : {}),
  ...upstream,
});
// The Temporal dev server, its state in a file so that a killed server restarts with its workflows.
const temporalDb = join(logDir, 'temporal.db');
rmSync(temporalDb, { force: true });
const temporalAddress = `127.0.0.1:${String(proxies['temporal']?.port)}`;
const TASK_QUEUE = 'chaos-deployments';
const startTemporal = () =>
  run('temporal', temporalBin, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.temporal), '--http-port', String(ports.temporalHttp), '--headless', '--log-level', 'error', '--db-filename', temporalDb]);
let temporalProcess = startTemporal();
const temporalReady = () => waitFor(`http://127.0.0.1:${ports.temporalHttp}/api/v1/namespaces/default`, 'temporal', RECOVERY_LIMIT_MS * 2);
await temporalReady();
// The workflow bundle once, as in the worker's image (a worker bundling at start takes long on a busy machine).
const bundlePath = join(logDir, 'workflow-bundle.js');
execFileSync(process.execPath, ['--import', 'tsx', 'services/deploy-worker/src/bundle.ts', bundlePath], { cwd: root, stdio: 'ignore' });
const startWorker = () =>
  run('deploy-worker', ...tsx('services/deploy-worker/src/main.ts'), {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    OIDC_ISSUER: issuer,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    WORKER_STICKY_TIMEOUT_MS: '1000',
    HEALTH_PORT: String(ports.worker),
    CATALYST_BASE_URL: proxied('catalyst-center'),
    SERVICENOW_INSTANCE_URL: proxied('servicenow'),
    CATALYST_TIMEOUT_MS: '3000',
    SERVICENOW_TIMEOUT_MS: '3000',
    AUTHZ_MODE: 'wasm',
    VAULT_ADDR: proxied('vault'),
    VAULT_AUTH_METHOD: 'approle',
    VAULT_ROLE_ID: roles['deploy-worker']?.roleId ?? '',
    VAULT_SECRET_ID: roles['deploy-worker']?.secretId ?? '',
    ALLOW_DEV_SECRETS: 'false',
    LOG_LEVEL: 'warn',
  });
let workerProcess = startWorker();
const workerReady = () => waitFor(`http://127.0.0.1:${ports.worker}/readyz`, 'deploy-worker', RECOVERY_LIMIT_MS * 2);

const networkEnv = (port: number) =>
  serverEnv('mcp-network', port, {
    CATALYST_BASE_URL: proxied('catalyst-center'),
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    // Replica 2 accepts the tokens of replica 1's resource identifier, as replicas behind one name do.
    PUBLIC_URL: networkUrl,
  });
const startNetwork = () => run('mcp-network', ...tsx('services/mcp-network/src/main.ts'), networkEnv(ports.network));
const startNetwork2 = () => run('mcp-network-2', ...tsx('services/mcp-network/src/main.ts'), networkEnv(ports.network2));
let networkProcess = startNetwork();
let network2Process = startNetwork2();
run('mcp-itsm', ...tsx('services/mcp-itsm/src/main.ts'), serverEnv('mcp-itsm', ports.itsm, { SERVICENOW_INSTANCE_URL: proxied('servicenow') }));
await Promise.all([
  waitFor(`http://127.0.0.1:${ports.network}/readyz`, 'mcp-network'),
  waitFor(`http://127.0.0.1:${ports.network2}/readyz`, 'mcp-network replica 2'),
  waitFor(`http://127.0.0.1:${ports.itsm}/readyz`, 'mcp-itsm'),
  workerReady(),
]);
// The gateway in front of both (its own rule on the same OPA; it exchanges the caller's token per backend at the IdP).
run('mcp-gateway', ...tsx('services/mcp-gateway/src/main.ts'), {
  PORT: String(ports.gateway),
  PUBLIC_URL: gatewayUrl,
  OIDC_ISSUER: issuer,
  AUTHZ_MODE: 'opa',
  OPA_URL: proxied('opa'),
  // mcp-network as two replicas behind one backend name (health per URL, reads retried on the other one).
  GATEWAY_BACKENDS: JSON.stringify({ network: { resource: networkUrl, urls: [networkUrl, network2Url] }, itsm: itsmUrl }),
  HEALTH_INTERVAL_MS: '500',
  REQUEST_TIMEOUT_MS: '20000',
  // info: the backend health transitions (`backend network is down/up`) are in the log to explain a run.
  LOG_LEVEL: 'info',
  ...(redisBin ? { REDIS_URL: `redis://127.0.0.1:${String(proxies['redis']?.port)}` } : {}),
});
await waitFor(`http://127.0.0.1:${ports.gateway}/readyz`, 'mcp-gateway');

async function token(user: string, audience: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: DEV_PASSWORD_GRANT, client_id: 'mcp-dev-cli', username: user, password: `${user}-dev-password`, resource: audience, scope: 'mcp:tools' });
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  const res = await fetch(discovery.token_endpoint, { method: 'POST', body });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no token for ${user}`);
  return json.access_token;
}
const tokens = {
  network: await token('nina', networkUrl),
  itsm: await token('sam', itsmUrl),
  // alice, not nina: the per-principal limits would otherwise make the direct and the gateway readers share one bucket.
  gateway: await token('alice', gatewayUrl),
  // The deployment load: nina requests, alice (a second person, admin) approves (carol, a change approver, has no mcp-network tools).
  requester: await token('nina', networkUrl),
  // Approving a deployment asks for a second factor (step-up, RFC 9470): the IdP's own mfa token for alice.
  approver: await idp.issueToken({ user: 'alice', audience: networkUrl, acr: 'mfa', ttlSeconds: 3_600 }),
};

// ---- load ---------------------------------------------------------------------------------------
/**
 * `read`: mcp-network directly; `write`: mcp-itsm directly; `gateway`: the same read through the MCP gateway;
 * `deploy`: deployment workflows on mcp-network (start, approve, follow).
 */
type Kind = 'read' | 'write' | 'gateway' | 'deploy';
const KINDS: readonly Kind[] = ['read', 'write', 'gateway', 'deploy'];
interface Outcome {
  kind: Kind;
  started: number;
  ended: number;
  /** `ok`, an error code (`ERR_…`, `http-503`), `refused` (no server listening: the caller gets a connection error at once), or `lost:*` (no answer). */
  outcome: string;
}
const outcomes: Outcome[] = [];
const acknowledged = new Set<string>();
let stopLoad = false;
let sequence = 0;

async function callTool(url: string, bearer: string, name: string, args: Record<string, unknown>): Promise<string> {
  return (await callToolFor(url, bearer, name, args)).outcome;
}

/** One `tools/call`: its outcome (see {@link Outcome}) and, when it succeeded, its structured result. */
async function callToolFor(url: string, bearer: string, name: string, args: Record<string, unknown>): Promise<{ outcome: string; structured?: Record<string, unknown> }> {
  const outcome = (o: string) => ({ outcome: o });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
      signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    if ((err as Error).name === 'TimeoutError') return outcome('lost:timeout');
    if (cause === 'ECONNREFUSED') return outcome('refused');
    // Reset while connecting (a connection still in the accept queue of a listener that just closed): no request went out.
    if (cause === 'ECONNRESET' && ((err as { cause?: { message?: string } }).cause?.message ?? '').startsWith('connect ')) return outcome('refused');
    return outcome(`lost:${cause ?? (err as Error).name}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return outcome('lost:body');
  }
  if (!res.ok) {
    const code = /"code":"(ERR_[A-Z_]+)"/.exec(text)?.[1];
    return outcome(code ?? `http-${res.status}`);
  }
  // A JSON answer, or an SSE stream (possibly `: keepalive` comments first, on a long call) whose data line is the answer.
  const json = text.trimStart().startsWith('{') ? text : (text.split('\n').findLast((l) => l.startsWith('data:')) ?? 'data:{}').slice(5);
  const body = JSON.parse(json) as {
    result?: { isError?: boolean; _meta?: Record<string, { code?: string }>; structuredContent?: Record<string, unknown> };
    error?: { code: number };
  };
  if (body.error) return outcome(`rpc-${body.error.code}`);
  if (body.result?.isError) return outcome(body.result._meta?.['io.mcp-platform/error']?.code ?? 'tool-error');
  return { outcome: 'ok', ...(body.result?.structuredContent ? { structured: body.result.structuredContent } : {}) };
}

/** Deployment workflows acknowledged by mcp-network: id → the marker its deployment carries, and how it ended. */
const workflows = new Map<string, { marker: string; outcome?: string }>();
/** Devices the deployment drivers take turns on (non-CORE, reachable: nina may deploy to them). */
const DEPLOY_DEVICES = [SEED_IDS.devices.sjc01Acc01, SEED_IDS.devices.sjc01Acc02, SEED_IDS.devices.nyc05Acc01];
let deploySlots = 0;
/** Markers of starts answered with an error (after retries): such a deployment must never run (no write reported failed after it happened). */
const refusedStarts = new Set<string>();
/** Markers of starts sent more than once (same idempotency key) because an answer was an error or never came. */
const retriedStarts = new Set<string>();
/** Start answers not worth a retry: the request itself was refused. */
const FINAL_START_ERRORS = new Set(['ERR_VALIDATION', 'ERR_AUTHZ_DENIED', 'ERR_STEP_UP_REQUIRED', 'tool-error']);
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'TERMINATED', 'CANCELED', 'TIMED_OUT']);

/** One tools/call of the deployment load, recorded like every other request. */
async function deployCall(bearer: string, name: string, args: Record<string, unknown>): Promise<{ outcome: string; structured?: Record<string, unknown> }> {
  const started = Date.now();
  const r = await callToolFor(networkUrl, bearer, name, args);
  outcomes.push({ kind: 'deploy', started, ended: Date.now(), outcome: r.outcome });
  return r;
}

/**
 * Starts a deployment of a marked template to its device, approves it as a second person, follows it to
 * its end (each step retried until it is answered with success, as an operator would). Runs until the
 * load stops; a workflow it could not follow to the end is checked once more after the run.
 */
async function deployDriver(slot: number): Promise<void> {
  while (!stopLoad) {
    const marker = `chaos-${process.pid}-d${String(slot)}-${String(++sequence)}`;
    // The marker is the start's idempotency key too: a start answered with a retryable error or not at all (it may
    // have started the workflow) is sent again with the same key, as a careful client does — it must find the first.
    const args = {
      template_id: SEED_IDS.templates.interfaceDescription,
      device_ids: [DEPLOY_DEVICES[slot % DEPLOY_DEVICES.length]],
      params: { interface: 'GigabitEthernet1/0/7', description: marker },
      reason: `pnpm chaos deployment load ${marker}`,
      correlation_id: marker,
    };
    let started = await deployCall(tokens.requester, 'start_deployment_workflow', args);
    // Until answered (also after the load stopped: an unanswered start may have started a workflow), for up to RECOVERY_LIMIT_MS.
    for (const until = Date.now() + RECOVERY_LIMIT_MS; started.outcome !== 'ok' && !FINAL_START_ERRORS.has(started.outcome) && Date.now() < until; ) {
      await sleep(1_000);
      retriedStarts.add(marker);
      started = await deployCall(tokens.requester, 'start_deployment_workflow', args);
    }
    const id = started.structured?.['workflowId'];
    if (started.outcome !== 'ok' || typeof id !== 'string') {
      refusedStarts.add(marker);
      await sleep(1_000);
      continue;
    }
    workflows.set(id, { marker });
    // Follow it: approve once it awaits approval (the approval is an Update: answered only while a worker runs).
    let approved = false;
    while (!stopLoad) {
      const status = await deployCall(tokens.requester, 'get_deployment_workflow', { workflow_id: id });
      const st = status.structured?.['status'];
      if (typeof st === 'string' && TERMINAL.has(st)) {
        workflows.set(id, { marker, outcome: `${st} ${String(status.structured?.['outcome'])}` });
        break;
      }
      if (!approved && status.structured?.['step'] === 'awaiting_approval') {
        approved = (await deployCall(tokens.approver, 'approve_deployment_workflow', { workflow_id: id })).outcome === 'ok';
      }
      await sleep(1_000);
    }
  }
}

async function loadWorker(kind: Kind): Promise<void> {
  if (kind === 'deploy') return deployDriver(deploySlots++);
  while (!stopLoad) {
    const started = Date.now();
    let outcome: string;
    if (kind === 'read') {
      outcome = await callTool(networkUrl, tokens.network, 'list_devices', { limit: 5 });
    } else if (kind === 'gateway') {
      outcome = await callTool(gatewayUrl, tokens.gateway, 'network__list_devices', { limit: 5 });
    } else {
      // An idempotent create: one retry of a retryable failure, with the same correlation id, as a careful client does.
      const correlation = `chaos-${process.pid}-${++sequence}`;
      const args = { short_description: `chaos probe ${correlation}`, urgency: 3, impact: 3, correlation_id: correlation };
      outcome = await callTool(itsmUrl, tokens.itsm, 'create_incident', args);
      if (outcome !== 'ok' && !outcome.startsWith('ERR_AUTHZ')) {
        await sleep(500);
        const retried = await callTool(itsmUrl, tokens.itsm, 'create_incident', args);
        if (retried === 'ok') outcome = 'ok (after retry)';
      }
      if (outcome.startsWith('ok')) acknowledged.add(correlation);
    }
    outcomes.push({ kind, started, ended: Date.now(), outcome });
    await sleep(50);
  }
}

// ---- faults -------------------------------------------------------------------------------------
interface Fault {
  name: string;
  begin(): Promise<void> | void;
  end(): Promise<void> | void;
}
const proxyFault = (dep: string, mode: 'refuse' | 'hang'): Fault => ({
  name: `${dep} ${mode === 'refuse' ? 'down' : 'hung'}`,
  begin: () => proxies[dep]?.set(mode),
  end: () => proxies[dep]?.set('pass'),
});
const faults: Fault[] = [
  proxyFault('opa', 'refuse'),
  proxyFault('opa', 'hang'),
  proxyFault('idp', 'refuse'),
  proxyFault('idp', 'hang'),
  { name: 'openbao sealed', begin: () => bao.seal(), end: () => bao.unseal() },
  proxyFault('vault', 'refuse'),
  proxyFault('catalyst-center', 'refuse'),
  proxyFault('catalyst-center', 'hang'),
  proxyFault('servicenow', 'refuse'),
  proxyFault('servicenow', 'hang'),
  ...(redisBin ? [proxyFault('redis', 'refuse'), proxyFault('redis', 'hang')] : []),
  {
    name: 'mcp-network restarted (SIGTERM: drain)',
    begin: async () => {
      const exited = new Promise((resolve) => networkProcess.once('exit', resolve));
      networkProcess.kill('SIGTERM');
      await exited;
    },
    end: async () => {
      networkProcess = startNetwork();
      await waitFor(`http://127.0.0.1:${ports.network}/healthz`, 'mcp-network (restart)', RECOVERY_LIMIT_MS).catch(() => undefined);
    },
  },
  {
    name: 'mcp-network crashed (SIGKILL), restarted',
    begin: () => {
      networkProcess.kill('SIGKILL');
    },
    end: async () => {
      networkProcess = startNetwork();
      await waitFor(`http://127.0.0.1:${ports.network}/healthz`, 'mcp-network (restart)', RECOVERY_LIMIT_MS).catch(() => undefined);
    },
  },
  {
    // Only the gateway reaches replica 2: its readers must not notice (reads in flight go to replica 1).
    name: 'mcp-network replica 2 crashed (SIGKILL) behind the gateway, restarted',
    begin: () => {
      network2Process.kill('SIGKILL');
    },
    end: async () => {
      network2Process = startNetwork2();
      await waitFor(`http://127.0.0.1:${ports.network2}/readyz`, 'mcp-network replica 2 (restart)', RECOVERY_LIMIT_MS).catch(() => undefined);
    },
  },
  {
    name: 'deploy-worker crashed (SIGKILL), restarted',
    begin: () => {
      workerProcess.kill('SIGKILL');
    },
    end: async () => {
      workerProcess = startWorker();
      await workerReady().catch(() => undefined);
    },
  },
  proxyFault('temporal', 'refuse'),
  proxyFault('temporal', 'hang'),
  {
    name: 'temporal server crashed (SIGKILL), restarted',
    begin: () => {
      temporalProcess.kill('SIGKILL');
    },
    end: async () => {
      temporalProcess = startTemporal();
      await temporalReady().catch(() => undefined);
    },
  },
].filter((f) => values.only === undefined || values.only.split(',').some((o) => f.name.startsWith(o.trim())));

interface Row {
  fault: string;
  begun: number;
  until: number;
  answered: Record<string, number>;
  lost: number;
  recoveryMs: Record<Kind, number | undefined>;
}
const rows: Row[] = [];

const loaders = KINDS.flatMap((kind) => Array.from({ length: WORKERS_PER_KIND }, () => loadWorker(kind)));
await sleep(3_000); // warm-up

try {
  for (const fault of faults) {
    const begun = Date.now();
    await fault.begin();
    await sleep(FAULT_MS);
    await fault.end();
    const ended = Date.now();
    // Recovered once a request started after the fault ended succeeds, per kind.
    const recoveryMs: Record<Kind, number | undefined> = { read: undefined, write: undefined, gateway: undefined, deploy: undefined };
    while (Date.now() - ended < RECOVERY_LIMIT_MS && KINDS.some((k) => recoveryMs[k] === undefined)) {
      for (const kind of KINDS) {
        const first = outcomes.find((o) => o.kind === kind && o.started >= ended && o.outcome.startsWith('ok'));
        if (first && recoveryMs[kind] === undefined) recoveryMs[kind] = first.ended - ended;
      }
      await sleep(200);
    }
    await sleep(1_000);
    const until = ended + (Math.max(...KINDS.map((k) => recoveryMs[k] ?? 0)) || RECOVERY_LIMIT_MS);
    const inWindow = outcomes.filter((o) => o.started >= begun && o.started < until);
    const answered: Record<string, number> = {};
    for (const o of inWindow) answered[`${o.kind} ${o.outcome}`] = (answered[`${o.kind} ${o.outcome}`] ?? 0) + 1;
    const row = { fault: fault.name, begun, until, answered, lost: inWindow.filter((o) => o.outcome.startsWith('lost')).length, recoveryMs };
    rows.push(row);
    process.stdout.write(`chaos: ${row.fault}: lost ${row.lost}, recovered read ${fmt(recoveryMs.read)} write ${fmt(recoveryMs.write)} via gateway ${fmt(recoveryMs.gateway)} deploy ${fmt(recoveryMs.deploy)}\n`);
  }
} finally {
  stopLoad = true;
  await Promise.allSettled(loaders);
}

// Every acknowledged deployment must finish: the ones the drivers stopped following are followed now.
const followDeadline = Date.now() + 120_000;
for (const [id, w] of workflows) {
  while (w.outcome === undefined && Date.now() < followDeadline) {
    const status = await callToolFor(networkUrl, tokens.requester, 'get_deployment_workflow', { workflow_id: id });
    const st = status.structured?.['status'];
    if (typeof st === 'string' && TERMINAL.has(st)) w.outcome = `${st} ${String(status.structured?.['outcome'])}`;
    else if (status.structured?.['step'] === 'awaiting_approval') await callToolFor(networkUrl, tokens.approver, 'approve_deployment_workflow', { workflow_id: id });
    else await sleep(1_000);
  }
}

// Duplicated writes: incidents per correlation id in ServiceNow (read directly, not through the platform).
const auth = `Basic ${Buffer.from('admin:dev-only-servicenow-password').toString('base64')}`;
const incidents = (await (await fetch(`http://127.0.0.1:${ports.servicenow}/api/now/table/incident?sysparm_limit=100000&sysparm_fields=correlation_id`, { headers: { authorization: auth, accept: 'application/json' } })).json()) as {
  result: { correlation_id?: string }[];
};
const perCorrelation = new Map<string, number>();
for (const i of incidents.result) if (i.correlation_id?.startsWith(`chaos-${process.pid}-`)) perCorrelation.set(i.correlation_id, (perCorrelation.get(i.correlation_id) ?? 0) + 1);
const duplicated = [...perCorrelation.values()].filter((n) => n > 1).length;
const acknowledgedMissing = [...acknowledged].filter((c) => !perCorrelation.has(c)).length;
// Deployments: one change request per workflow (its correlation id is the workflow id), one accepted Catalyst deployment per marker.
const changes = (await (await fetch(`http://127.0.0.1:${ports.servicenow}/api/now/table/change_request?sysparm_limit=100000&sysparm_fields=correlation_id,description`, { headers: { authorization: auth, accept: 'application/json' } })).json()) as {
  result: { correlation_id?: string; description?: string }[];
};
const deployRows = [...workflows].map(([id, w]) => ({
  id,
  outcome: w.outcome ?? 'unfinished',
  changes: changes.result.filter((c) => c.correlation_id === id).length,
  deployments: catalystSim.state.deployments.filter((d) => d.outcome === 'accepted' && JSON.stringify(d.body).includes(`"${w.marker}"`)).length,
}));
const deployOutcomes: Record<string, number> = {};
for (const r of deployRows) deployOutcomes[r.outcome] = (deployOutcomes[r.outcome] ?? 0) + 1;
const deploysUnfinished = deployRows.filter((r) => r.outcome === 'unfinished').length;
const deploysDuplicated = deployRows.filter((r) => r.changes > 1 || r.deployments > 1).length;
// Writes of starts that were answered with an error: a deployment or a change request nobody was told about.
const ranAfterRefusal = catalystSim.state.deployments.filter((d) => d.outcome === 'accepted' && [...refusedStarts].some((m) => JSON.stringify(d.body).includes(`"${m}"`))).length;
const orphanChanges = changes.result.filter((c) => c.correlation_id?.startsWith('deploy-') && !workflows.has(c.correlation_id)).length;
// Idempotent starts: change requests per start marker (the reason carries it), read from ServiceNow — 2+ means a retried start ran twice.
const changesPerMarker = new Map<string, number>();
for (const c of changes.result) {
  const marker = /pnpm chaos deployment load (chaos-\d+-d\d+-\d+)$/m.exec(c.description ?? '')?.[1];
  if (marker !== undefined) changesPerMarker.set(marker, (changesPerMarker.get(marker) ?? 0) + 1);
}
const duplicatedStarts = [...changesPerMarker.values()].filter((n) => n > 1).length;

await stopAll();
await Promise.all(Object.values(proxies).map((p) => p.close()));

function fmt(ms: number | undefined): string {
  return ms === undefined ? `> ${RECOVERY_LIMIT_MS / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
const total = outcomes.length;
const runStart = outcomes[0]?.started ?? 0;
const lostDetail = outcomes
  .filter((o) => o.outcome.startsWith('lost'))
  .map((o) => `${o.kind} ${o.outcome} started at +${((o.started - runStart) / 1000).toFixed(1)} s (${rows.find((r) => o.started >= r.begun && o.started < r.until)?.fault ?? 'outside every fault window'}), after ${((o.ended - o.started) / 1000).toFixed(1)} s`);
const lines = [
  '',
  `| fault (${FAULT_MS / 1000} s each, ${WORKERS_PER_KIND} readers + ${WORKERS_PER_KIND} writers + ${WORKERS_PER_KIND} readers through the gateway + ${WORKERS_PER_KIND} deployment drivers) | answers during fault and recovery (kind outcome × n) | lost | recovery read / write / gateway / deploy |`,
  '|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.fault} | ${Object.entries(r.answered)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k} × ${n}`)
        .join(', ')} | ${r.lost} | ${fmt(r.recoveryMs.read)} / ${fmt(r.recoveryMs.write)} / ${fmt(r.recoveryMs.gateway)} / ${fmt(r.recoveryMs.deploy)} |`,
  ),
  '',
  `requests: ${total}, lost: ${outcomes.filter((o) => o.outcome.startsWith('lost')).length}, refused (no server listening): ${outcomes.filter((o) => o.outcome === 'refused').length}`,
  `writes acknowledged: ${acknowledged.size}, duplicated writes: ${duplicated}, acknowledged but missing upstream: ${acknowledgedMissing}`,
  `deployment workflows acknowledged: ${deployRows.length} (${Object.entries(deployOutcomes)
    .map(([k, n]) => `${k} × ${n}`)
    .join(', ')}), unfinished (lost): ${deploysUnfinished}, duplicated (2+ change requests or Catalyst deployments): ${deploysDuplicated}`,
  `deployment starts answered with an error: ${refusedStarts.size}; of them deployed anyway: ${ranAfterRefusal}; change requests of workflows nobody was told about: ${orphanChanges}`,
  `deployment starts retried with the same idempotency key: ${retriedStarts.size}; starts that opened 2+ change requests (duplicated starts): ${duplicatedStarts}`,
  ...deployRows.filter((r) => r.outcome === 'unfinished' || r.changes !== 1 || r.deployments > 1).map((r) => `deployment ${r.id}: ${r.outcome}, change requests ${r.changes}, Catalyst deployments ${r.deployments}`),
  ...lostDetail.map((l) => `lost: ${l}`),
  '',
];
process.stdout.write(lines.join('\n'));
process.exit(outcomes.some((o) => o.outcome.startsWith('lost')) || duplicated > 0 || acknowledgedMissing > 0 || deploysUnfinished > 0 || deploysDuplicated > 0 || duplicatedStarts > 0 || ranAfterRefusal > 0 || orphanChanges > 0 ? 1 : 0);
