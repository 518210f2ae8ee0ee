/**
 * `pnpm start` — the platform on its embedded defaults, every component a real
 * process on loopback:
 *
 *   identity provider   http://127.0.0.1:9400      (oidc-provider, seeded users)
 *   OpenBao             http://127.0.0.1:8200      (`bao server -dev` when installed: KV v2 seeded with the simulators'
 *                                                   credentials, one policy + AppRole per service from deploy/vault/policies;
 *                                                   else each service's embedded dev secrets)
 *   OPA                 http://127.0.0.1:8181      (real binary when installed; else in-process Wasm)
 *   per server of @mcp-platform/registry: its upstream simulator, then the server
 *     (mcp-network :8101 + Catalyst Center sim :9401, mcp-itsm :8102 + ServiceNow sim :9402,
 *     mcp-github :8103 + GitHub sim :9403, mcp-analysis :8104 sharing the Catalyst Center sim;
 *     a simulator shared by servers starts once; `MCP_<NAME>_PORT` / `<SIM>_PORT` move them)
 *   mcp-gateway         http://127.0.0.1:8100/mcp      (the registry's federating entry, after the servers: one MCP
 *                                                   endpoint, every other server under its key as prefix + composite tools)
 *   rest-proxy          http://127.0.0.1:8080          (REST + OpenAPI at /openapi.json, docs at /docs)
 *   Temporal dev server 127.0.0.1:7233, UI http://127.0.0.1:8233  (real binary when installed; state in .run/temporal.db)
 *   deploy-worker       task queue template-deployments (with the Temporal dev server)
 *
 * `pnpm start --profile production` runs docker-compose.yml's production shape as processes instead
 * (packages/tooling/src/start-production.ts: Keycloak on HTTPS, OpenBao + init.sh's AppRoles, OPA with the bundle,
 * Redis, Temporal, every service with compose's environment and PLATFORM_PROFILE=production, compose's ports).
 *
 * `pnpm start --idp keycloak` runs the real Keycloak instead of the dev IdP (http://127.0.0.1:8180,
 * realm `mcp` imported from deploy/keycloak/realm-mcp.json; `pnpm tools ensure` installs it; needs Java 21+):
 * the services trust its issuer, the REST proxy exchanges tokens with it.
 *
 * Each component's ECS log lines go to `.run/logs/<name>.log`. Ctrl-C stops
 * everything (SIGTERM, then SIGKILL after 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { localUrl, portEnv, REST_PROXY, SERVERS, serverByKey, simulators, vaultDataPath, WORKERS, type ServerEntry } from '@mcp-platform/registry';
import { startKeycloak, type RunningKeycloak } from '@mcp-platform/tooling/keycloak';
import { runProductionProfile } from '@mcp-platform/tooling/production';
import { findOpa } from '@mcp-platform/tooling/opa';
import { OPA_SERVER_ENV, opaServerArgs } from '@mcp-platform/tooling/opa-server';
import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { findTemporal } from '@mcp-platform/tooling/temporal';
import { findOpenBao, provisionAppRoles, startDevOpenBao, type DevOpenBao } from '@mcp-platform/tooling/openbao';

const deployWorker = WORKERS.find((w) => w.name === 'deploy-worker');
if (deployWorker === undefined) throw new TypeError('@mcp-platform/registry lists no deploy-worker');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const logDir = join(root, '.run', 'logs');
mkdirSync(logDir, { recursive: true });

const env = process.env;
const port = (name: string, dflt: number) => Number(env[name] ?? dflt);
const ports = {
  idp: port('IDP_PORT', 9400),
  opa: port('OPA_PORT', 8181),
  restProxy: port(portEnv(REST_PROXY), REST_PROXY.port),
  temporal: port('TEMPORAL_PORT', 7233),
  temporalUi: port('TEMPORAL_UI_PORT', 8233),
  temporalHttp: port('TEMPORAL_HTTP_PORT', 7243),
  deployWorkerHealth: port('DEPLOY_WORKER_HEALTH_PORT', deployWorker.healthPort),
  vault: port('VAULT_PORT', 8200),
};
/** Every server of the registry with its port here (`MCP_<NAME>_PORT` moves it) and its simulator's. */
const servers = SERVERS.map((s) => ({
  entry: s,
  port: port(portEnv(s), s.port),
  simPort: s.upstream === undefined ? undefined : port(s.upstream.simulator.portEnv, s.upstream.simulator.port),
}));
/** The servers with tools of their own: the REST proxy's and the gateway's backends (every server but the gateway). */
const backends = servers.filter((s) => s.entry.federates !== true);
/** Keycloak selects a token's audience by client scope (one per server, named after it): ask for each backend's. */
const exchangeScopes = (): Record<string, string> => (keycloak ? { TOKEN_EXCHANGE_SCOPES: JSON.stringify(Object.fromEntries(backends.map((s) => [s.entry.key, `mcp:tools ${s.entry.name}`]))) } : {});
/** Each backend by policy key at its URL in this run. */
const backendUrls = (): string => JSON.stringify(Object.fromEntries(backends.map((s) => [s.entry.key, localUrl(s.entry, s.port)])));
const simUrl = (key: string): string => {
  const s = servers.find((x) => x.entry.key === key);
  if (s?.simPort === undefined) throw new TypeError(`registry server ${key} has no simulator`);
  return `http://127.0.0.1:${String(s.simPort)}`;
};
let idpChoice: string;
let profile: string;
try {
  const { values } = parseArgs({ options: { idp: { type: 'string' }, profile: { type: 'string', default: 'development' } } });
  profile = values.profile ?? 'development';
  idpChoice = values.idp ?? (profile === 'production' ? 'keycloak' : 'dev');
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\nusage: pnpm start [--idp dev|keycloak] [--profile development|production]\n`);
  process.exit(2);
}
if (idpChoice !== 'dev' && idpChoice !== 'keycloak') {
  process.stderr.write(`--idp must be dev or keycloak, not "${idpChoice}"\n`);
  process.exit(2);
}
if (profile !== 'development' && profile !== 'production') {
  process.stderr.write(`--profile must be development or production, not "${profile}"\n`);
  process.exit(2);
}
if (profile === 'production') {
  if (idpChoice !== 'keycloak') {
    process.stderr.write('--profile production runs on Keycloak (a production service refuses the dev IdP): drop --idp dev\n');
    process.exit(2);
  }
  await runProductionProfile(root, logDir); // runs until Ctrl-C, then exits
}
let keycloak: RunningKeycloak | undefined;
if (idpChoice === 'keycloak') {
  process.stdout.write('starting Keycloak (a JVM: this takes a while; log in .run/logs/keycloak.log)…\n');
  const kcLog = createWriteStream(join(logDir, 'keycloak.log'), { flags: 'a' });
  try {
    keycloak = await startKeycloak({
      realmFile: join(root, 'deploy', 'keycloak', 'realm-mcp.json'),
      port: port('KEYCLOAK_PORT', 8180),
      managementPort: port('KEYCLOAK_MANAGEMENT_PORT', 9190),
      output: (chunk) => kcLog.write(chunk),
    });
  } catch (err) {
    process.stderr.write(`Keycloak: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
const issuer = keycloak?.issuer ?? env['OIDC_ISSUER'] ?? `http://127.0.0.1:${ports.idp}`;

interface Component {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** URL that answers 2xx once the component is up. */
  health: string;
}

const tsx = (file: string): [string, string[]] => [process.execPath, ['--import', 'tsx', join(root, file)]];
const opaBin = findOpa();
const authzMode = opaBin ? 'opa' : 'wasm';
const temporalBin = findTemporal();
const temporalAddress = `127.0.0.1:${ports.temporal}`;

/**
 * OpenBao in dev mode, provisioned like deploy/vault/init.sh provisions Vault (DEV ONLY values: the
 * simulators' seeded accounts). Each service then logs in with its own AppRole and reads only its paths.
 */
/** Every registry entry that reads secrets gets a policy (deploy/vault/policies, generated) and an AppRole. */
const VAULT_SERVICES: readonly string[] = [...SERVERS, REST_PROXY, ...WORKERS].filter((s) => s.secrets.length > 0).map((s) => s.name);
async function startSecrets(): Promise<{ bao: DevOpenBao; env: (service: string) => Record<string, string> } | undefined> {
  if (findOpenBao() === undefined) return undefined;
  const seed = devSecrets(); // before the server starts: a missing line stops here
  const log = createWriteStream(join(logDir, 'openbao.log'), { flags: 'a' });
  const bao = await startDevOpenBao({
    port: ports.vault,
    rootToken: 'dev-only-root-token',
    // The dev server prints its unseal key and root token: keep them out of the log file.
    output: (chunk) => log.write(chunk.replace(/^(Unseal Key|Root Token): .*$/gm, '$1: [REDACTED]')),
  });
  const roles = await provisionAppRoles(bao, join(root, 'deploy', 'vault', 'policies'), VAULT_SERVICES);
  for (const [name, data] of seed) await bao.api('POST', vaultDataPath(name), { data });
  return {
    bao,
    env: (service) => ({
      VAULT_ADDR: bao.url,
      VAULT_AUTH_METHOD: 'approle',
      VAULT_ROLE_ID: roles[service]?.roleId ?? '',
      VAULT_SECRET_ID: roles[service]?.secretId ?? '',
      ALLOW_DEV_SECRETS: 'false',
    }),
  };
}
/**
 * The DEV ONLY upstream credentials of every secret the registry names, from the one place they are
 * written: the `vault kv put secret/mcp/<name> key=value …` lines of deploy/vault/init.sh (compose's
 * vault-init runs the same lines). A registered secret without such a line stops the start, naming it.
 */
function devSecrets(): Map<string, Record<string, string>> {
  const init = readFileSync(join(root, 'deploy', 'vault', 'init.sh'), 'utf8');
  const found = new Map<string, Record<string, string>>();
  for (const m of init.matchAll(/^vault kv put secret\/mcp\/([a-z0-9-]+)((?: [A-Za-z_][A-Za-z0-9_]*=\S+)+)\s*$/gm)) {
    const pairs = (m[2] ?? '').trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const);
    found.set(m[1] ?? '', Object.fromEntries(pairs));
  }
  const wanted = new Set([...SERVERS, REST_PROXY, ...WORKERS].flatMap((s) => s.secrets));
  const missing = [...wanted].filter((name) => !found.has(name));
  if (missing.length > 0) throw new Error(`deploy/vault/init.sh has no DEV ONLY \`vault kv put secret/mcp/<name>\` line for ${missing.join(', ')} (a secret of @mcp-platform/registry)`);
  return new Map([...wanted].map((name) => [name, found.get(name) ?? {}]));
}
let secrets: Awaited<ReturnType<typeof startSecrets>>;
try {
  secrets = await startSecrets();
} catch (err) {
  process.stderr.write(`OpenBao: ${err instanceof Error ? err.message : String(err)}; see .run/logs/openbao.log\n`);
  process.exit(1);
}
const vaultEnv = (service: string): Record<string, string> => secrets?.env(service) ?? {};

/** Servers fronting the same API share one simulator: it starts (and is listed) with the first of them. */
const simulatorUses = simulators();
const startsSimulator = (entry: ServerEntry): boolean => simulatorUses.some((u) => u.servers[0] === entry);

/** A server's simulator (when it has an upstream and is the first server of that simulator), then the server itself. */
function serverComponents({ entry, port: serverPort, simPort }: (typeof servers)[number]): Component[] {
  const sim: Component[] =
    entry.upstream === undefined || simPort === undefined || !startsSimulator(entry)
      ? []
      : [
          {
            name: entry.upstream.simulator.name,
            ...cmd(tsx(`packages/sandboxes/${entry.upstream.simulator.entry}`)),
            env: { [entry.upstream.simulator.portEnv]: String(simPort) },
            health: `http://127.0.0.1:${String(simPort)}/healthz`,
          },
        ];
  const server: Component = {
    name: entry.name,
    ...cmd(tsx(`services/${entry.name}/src/main.ts`)),
    env: {
      PORT: String(serverPort),
      OIDC_ISSUER: issuer,
      AUTHZ_MODE: env['AUTHZ_MODE'] ?? authzMode,
      OPA_URL: `http://127.0.0.1:${ports.opa}`,
      ...(entry.upstream === undefined || simPort === undefined ? {} : { [entry.upstream.urlEnv]: `http://127.0.0.1:${String(simPort)}` }),
      ...(entry.temporal && temporalBin ? { TEMPORAL_ADDRESS: temporalAddress } : {}),
      ...(entry.secrets.length > 0 ? vaultEnv(entry.name) : {}),
      // The gateway federates every other server of the registry, on the ports of this run.
      ...(entry.federates === true ? { GATEWAY_BACKENDS: backendUrls(), ...exchangeScopes() } : {}),
    },
    health: `http://127.0.0.1:${String(serverPort)}/readyz`,
  };
  return [...sim, server];
}

const components: Component[] = [
  ...(keycloak
    ? []
    : [{ name: 'identity-provider', ...cmd(tsx('packages/sandboxes/src/bin/idp.ts')), env: { IDP_PORT: String(ports.idp), IDP_ISSUER: issuer }, health: `${issuer}/.well-known/openid-configuration` }]),
  ...(opaBin
    ? [{ name: 'opa', command: opaBin, args: opaServerArgs({ addr: `127.0.0.1:${ports.opa}`, bundle: POLICY_BUNDLE }), env: { ...OPA_SERVER_ENV }, health: `http://127.0.0.1:${ports.opa}/health` }]
    : []),
  ...(temporalBin
    ? [
        {
          name: 'temporal',
          command: temporalBin,
          args: ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.temporal), '--ui-port', String(ports.temporalUi), '--http-port', String(ports.temporalHttp), '--db-filename', join(root, '.run', 'temporal.db'), '--log-level', 'warn'],
          health: `http://127.0.0.1:${ports.temporalHttp}/api/v1/namespaces/default`,
        },
      ]
    : []),
  ...servers.flatMap(serverComponents),
  ...(temporalBin
    ? [
        {
          name: deployWorker.name,
          ...cmd(tsx(`services/${deployWorker.name}/src/main.ts`)),
          env: {
            TEMPORAL_ADDRESS: temporalAddress,
            // Verifies the identity credentials of workflow actions against the IdP.
            OIDC_ISSUER: issuer,
            AUTHZ_MODE: env['AUTHZ_MODE'] ?? authzMode,
            OPA_URL: `http://127.0.0.1:${ports.opa}`,
            CATALYST_BASE_URL: simUrl('network'),
            SERVICENOW_INSTANCE_URL: simUrl('itsm'),
            HEALTH_PORT: String(ports.deployWorkerHealth),
            ...vaultEnv(deployWorker.name),
          },
          // Ready once the worker polls its task queue.
          health: `http://127.0.0.1:${ports.deployWorkerHealth}/readyz`,
        },
      ]
    : []),
  {
    name: REST_PROXY.name,
    ...cmd(tsx('services/rest-proxy/src/main.ts')),
    env: {
      PORT: String(ports.restProxy),
      OIDC_ISSUER: issuer,
      AUTHZ_MODE: env['AUTHZ_MODE'] ?? authzMode,
      OPA_URL: `http://127.0.0.1:${ports.opa}`,
      ...exchangeScopes(),
      PROXY_BACKENDS: backendUrls(),
    },
    health: `http://127.0.0.1:${ports.restProxy}/healthz`,
  },
];

function cmd([command, args]: [string, string[]]): { command: string; args: string[] } {
  return { command, args };
}

const children: { c: Component; p: ChildProcess }[] = [];
let stopping = false;

async function waitHealthy(c: Component, p: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.exitCode !== null) throw new Error(`${c.name} exited with code ${p.exitCode}; see .run/logs/${c.name}.log`);
    try {
      const res = await fetch(c.health, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${c.name} did not become healthy at ${c.health} within ${timeoutMs / 1000}s; see .run/logs/${c.name}.log`);
}

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nstopping…\n');
    for (const { p } of [...children].reverse()) if (p.exitCode === null) p.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (children.some(({ p }) => p.exitCode === null && p.signalCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const { p } of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await secrets?.bao.stop();
    await keycloak?.stop();
  }
  process.exit(code);
}

process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

for (const c of components) {
  const log = createWriteStream(join(logDir, `${c.name}.log`), { flags: 'a' });
  const p = spawn(c.command, c.args, { cwd: root, env: { ...env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout?.pipe(log);
  p.stderr?.pipe(log);
  p.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${c.name} stopped unexpectedly (${signal ?? `exit ${code}`}); see .run/logs/${c.name}.log\n`);
      void stopAll(1);
    }
  });
  children.push({ c, p });
  try {
    await waitHealthy(c, p);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll(1);
  }
}

function serverLine({ entry, port: p, simPort }: { entry: ServerEntry; port: number; simPort: number | undefined }): string {
  const sim = entry.upstream === undefined || simPort === undefined || !startsSimulator(entry) ? '' : `  ${`${entry.upstream.label} sim`.padEnd(20)} http://127.0.0.1:${String(simPort)}\n`;
  const what =
    entry.federates === true
      ? `every other server's tools as <server>__<tool>, composite ops__* tools; token: pnpm -s token nina --audience ${localUrl(entry, p)}`
      : 'health /healthz, readiness /readyz, metrics /metrics';
  return `${sim}  ${entry.name.padEnd(20)} ${localUrl(entry, p)}   (${what})`;
}

process.stdout.write(`
mcp-platform is running (logs: .run/logs/)

  identity provider    ${keycloak ? `${issuer}  (Keycloak ${keycloak.url}; admin console /admin: admin / ${keycloak.adminPassword})` : issuer}
  OpenBao              ${secrets ? `${secrets.bao.url}  (dev mode, root token dev-only-root-token; each service logs in with its AppRole)` : '(no bao binary: services use their embedded dev secrets; run `pnpm tools ensure`)'}
  OPA                  ${opaBin ? `http://127.0.0.1:${ports.opa}` : '(no opa binary: policies evaluated in-process from policies/dist/authz.wasm; run `pnpm tools ensure`)'}
${servers.map(serverLine).join('\n')}
  rest-proxy           http://127.0.0.1:${ports.restProxy}   (OpenAPI /openapi.json, docs /docs; token: pnpm -s token nina --audience http://127.0.0.1:${ports.restProxy})
  Temporal             ${temporalBin ? `${temporalAddress}, UI http://127.0.0.1:${ports.temporalUi}  (deploy-worker on task queue template-deployments; pnpm deploy-cli list)` : '(no temporal binary: deployment workflows off; run `pnpm tools ensure`)'}

Get a token and call a tool:
  ${keycloak ? `TOKEN=$(curl -s ${issuer}/protocol/openid-connect/token -d grant_type=password -d client_id=mcp-dev-cli -d username=nina -d password=nina-dev-password -d 'scope=openid mcp-network' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')` : 'TOKEN=$(pnpm -s token nina)'}
  curl -s ${localUrl(serverByKey('network'), servers.find((s) => s.entry.key === 'network')?.port)} -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\
    -H 'MCP-Protocol-Version: 2025-11-25' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_devices","arguments":{"role":"CORE"}}}'

Users: alice (admin), nina (network-engineers), sam (service-desk), dave (developers), eve (no group)${keycloak ? "; Keycloak passwords are <user>-dev-password" : ""}.
Ctrl-C stops everything.
`);
