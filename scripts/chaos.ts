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
 * Not covered (yet): the Temporal server and worker, a second replica of a server behind a load balancer.
 *
 * Options: `--fault-seconds N` (default 6), `--workers N` per load kind (default 3), `--only a,b`.
 * Logs: `.run/chaos/<component>.log`. Everything is on 127.0.0.1 and stops by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REST_PROXY, SERVERS, WORKERS } from '@mcp-platform/registry';
import { DEV_PASSWORD_GRANT, SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { startFaultProxy, type FaultProxy } from '@mcp-platform/tooling/fault-proxy';
import { findOpa } from '@mcp-platform/tooling/opa';
import { provisionAppRoles, startDevOpenBao, type DevOpenBao } from '@mcp-platform/tooling/openbao';
import { findRedisServer } from '@mcp-platform/tooling/redis';

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

async function loopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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

const ports = { idp: await loopbackPort(), opa: await loopbackPort(), catalyst: await loopbackPort(), servicenow: await loopbackPort(), redis: await loopbackPort(), network: await loopbackPort(), itsm: await loopbackPort(), gateway: await loopbackPort() };
const proxies: Record<string, FaultProxy> = {
  idp: await startFaultProxy(ports.idp),
  opa: await startFaultProxy(ports.opa),
  'catalyst-center': await startFaultProxy(ports.catalyst),
  servicenow: await startFaultProxy(ports.servicenow),
  ...(redisBin ? { redis: await startFaultProxy(ports.redis) } : {}),
};
const proxied = (name: string) => `http://127.0.0.1:${String(proxies[name]?.port)}`;
const issuer = proxied('idp');

process.stdout.write(`chaos: starting the platform (logs in ${logDir}) …\n`);
const networkUrl = `http://127.0.0.1:${ports.network}/mcp`;
const itsmUrl = `http://127.0.0.1:${ports.itsm}/mcp`;
const gatewayUrl = `http://127.0.0.1:${ports.gateway}/mcp`;
// In this process (the bin knows only the default ports' resources); the fault proxy still stands in front of it.
const idp = await startIdentityProvider({
  port: ports.idp,
  issuer,
  resourceServers: [...SEED_RESOURCE_SERVERS, { url: networkUrl, name: 'mcp-network (chaos)' }, { url: itsmUrl, name: 'mcp-itsm (chaos)' }, { url: gatewayUrl, name: 'mcp-gateway (chaos)', ownerClientId: 'mcp-gateway' }],
});
cleanups.push(() => idp.stop());
run('opa', opaBin, ['run', '--server', '--addr', `127.0.0.1:${ports.opa}`, '--log-level', 'error', join(root, 'policies', 'mcp')]);
run('catalyst-center-sim', ...tsx(`packages/sandboxes/${network.upstream.simulator.entry}`), { [network.upstream.simulator.portEnv]: String(ports.catalyst) });
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
const startNetwork = () => run('mcp-network', ...tsx('services/mcp-network/src/main.ts'), serverEnv('mcp-network', ports.network, { CATALYST_BASE_URL: proxied('catalyst-center') }));
let networkProcess = startNetwork();
run('mcp-itsm', ...tsx('services/mcp-itsm/src/main.ts'), serverEnv('mcp-itsm', ports.itsm, { SERVICENOW_INSTANCE_URL: proxied('servicenow') }));
await Promise.all([waitFor(`http://127.0.0.1:${ports.network}/readyz`, 'mcp-network'), waitFor(`http://127.0.0.1:${ports.itsm}/readyz`, 'mcp-itsm')]);
// The gateway in front of both (its own rule on the same OPA; it exchanges the caller's token per backend at the IdP).
run('mcp-gateway', ...tsx('services/mcp-gateway/src/main.ts'), {
  PORT: String(ports.gateway),
  PUBLIC_URL: gatewayUrl,
  OIDC_ISSUER: issuer,
  AUTHZ_MODE: 'opa',
  OPA_URL: proxied('opa'),
  GATEWAY_BACKENDS: JSON.stringify({ network: networkUrl, itsm: itsmUrl }),
  HEALTH_INTERVAL_MS: '500',
  REQUEST_TIMEOUT_MS: '20000',
  LOG_LEVEL: 'warn',
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
};

// ---- load ---------------------------------------------------------------------------------------
/** `read`: mcp-network directly; `write`: mcp-itsm directly; `gateway`: the same read through the MCP gateway. */
type Kind = 'read' | 'write' | 'gateway';
const KINDS: readonly Kind[] = ['read', 'write', 'gateway'];
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
    if ((err as Error).name === 'TimeoutError') return 'lost:timeout';
    if (cause === 'ECONNREFUSED') return 'refused';
    return `lost:${cause ?? (err as Error).name}`;
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return 'lost:body';
  }
  if (!res.ok) {
    const code = /"code":"(ERR_[A-Z_]+)"/.exec(text)?.[1];
    return code ?? `http-${res.status}`;
  }
  const body = JSON.parse(text.startsWith('event:') || text.startsWith('data:') ? (text.split('\n').find((l) => l.startsWith('data:')) ?? 'data:{}').slice(5) : text) as {
    result?: { isError?: boolean; _meta?: Record<string, { code?: string }> };
    error?: { code: number };
  };
  if (body.error) return `rpc-${body.error.code}`;
  if (body.result?.isError) return body.result._meta?.['io.mcp-platform/error']?.code ?? 'tool-error';
  return 'ok';
}

async function loadWorker(kind: Kind): Promise<void> {
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
    const recoveryMs: Record<Kind, number | undefined> = { read: undefined, write: undefined, gateway: undefined };
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
    process.stdout.write(`chaos: ${row.fault}: lost ${row.lost}, recovered read ${fmt(recoveryMs.read)} write ${fmt(recoveryMs.write)} via gateway ${fmt(recoveryMs.gateway)}\n`);
  }
} finally {
  stopLoad = true;
  await Promise.allSettled(loaders);
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
  `| fault (${FAULT_MS / 1000} s each, ${WORKERS_PER_KIND} readers + ${WORKERS_PER_KIND} writers + ${WORKERS_PER_KIND} readers through the gateway) | answers during fault and recovery (kind outcome × n) | lost | recovery read / write / gateway |`,
  '|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.fault} | ${Object.entries(r.answered)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k} × ${n}`)
        .join(', ')} | ${r.lost} | ${fmt(r.recoveryMs.read)} / ${fmt(r.recoveryMs.write)} / ${fmt(r.recoveryMs.gateway)} |`,
  ),
  '',
  `requests: ${total}, lost: ${outcomes.filter((o) => o.outcome.startsWith('lost')).length}, refused (no server listening): ${outcomes.filter((o) => o.outcome === 'refused').length}`,
  `writes acknowledged: ${acknowledged.size}, duplicated writes: ${duplicated}, acknowledged but missing upstream: ${acknowledgedMissing}`,
  ...lostDetail.map((l) => `lost: ${l}`),
  '',
];
process.stdout.write(lines.join('\n'));
process.exit(outcomes.some((o) => o.outcome.startsWith('lost')) || duplicated > 0 || acknowledgedMissing > 0 ? 1 : 0);
