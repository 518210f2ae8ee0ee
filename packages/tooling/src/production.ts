/**
 * The production profile as processes: every component of `docker-compose.yml` started on this
 * machine with the environment compose gives it ({@link localEnvironment}, rules in
 * packages/tooling/src/compose-local.ts) — the dev CA job (`deploy/certs/dev-ca.sh`), Keycloak on HTTPS with
 * its certificate and the committed realm, OpenBao provisioned by `deploy/vault/init.sh` itself
 * (compose's vault-init: per-service policies and AppRoles, the AppRole id files in the services'
 * volumes), the OPA server with compose's command (bundle + config), Redis, the Temporal dev server,
 * then every Node service (simulators, MCP servers, gateway, REST proxy, deploy worker) in
 * `depends_on` order with `PLATFORM_PROFILE=production`. Used by `pnpm start --profile production`
 * (compose's host ports) and e2e/test/production.int.test.ts (free ports).
 *
 * @example
 * ```ts
 * const shape = await startProductionShape({ root, workDir, ports: 'ephemeral' });
 * shape.services['mcp-gateway']?.url; // http://127.0.0.1:41234
 * await shape.stop();
 * ```
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { composeEnvironment, listeningPorts, localCommand, localEnvironment, localPath, nodeServices, readComposeFile, type ComposeFile, type Localization } from './compose-local.ts';
import { startKeycloak, type RunningKeycloak } from './keycloak.ts';
import { findOpa } from './opa.ts';
import { findOpenBao, startDevOpenBao, type DevOpenBao } from './openbao.ts';
import { freeLoopbackPort } from './local.ts';
import { findRedisServer, redisPing } from './redis.ts';
import { findTemporal } from './temporal.ts';

/** The infrastructure services of compose this module starts itself (each with its own fixture). */
export const INFRASTRUCTURE = ['keycloak', 'opa', 'vault', 'redis', 'temporal'] as const;
/** One-shot jobs of compose run as scripts, in this order. */
export const JOBS = ['dev-ca', 'vault-init'] as const;
/**
 * Compose services with no local counterpart: the Elastic stack, Prometheus and Grafana (no source or
 * binary here; checked statically: deploy-checks, promtool).
 */
export const NOT_RUN = ['elasticsearch', 'kibana', 'elastic-setup', 'filebeat', 'prometheus', 'grafana'] as const;

/** Options of {@link startProductionShape}. */
export interface ProductionShapeOptions {
  /** The repository root (holds docker-compose.yml). */
  root: string;
  /** Scratch directory of this run: named volumes (AppRole id files), the Temporal database. Created; the caller removes it. */
  workDir: string;
  /** `compose`: the host ports compose publishes (a service's own unpublished ports: the container's); `ephemeral`: free ports. */
  ports: 'compose' | 'ephemeral';
  /** Where compose's `./deploy/certs/out` (the dev CA's output) is in this run. Default `<root>/deploy/certs/out`. */
  certsDir?: string;
  /** A Keycloak already serving HTTPS with the certificate in `certsDir` and the realm imported (the e2e run shares one). Default: start one. */
  keycloak?: { httpsUrl: string };
  /** Receives every component's output (Node services: their ECS lines). */
  output?: (component: string, chunk: string) => void;
  /** How long one component may take to become ready, in milliseconds; default 180000. */
  readyTimeoutMs?: number;
}

/** A Node service of the run. */
export interface ProductionService {
  /** `http://127.0.0.1:<PORT>` (the deploy worker: its health port). */
  url: string;
  /** The environment it was started with (compose's, localized). */
  env: Readonly<Record<string, string>>;
}

/** The running production shape. */
export interface RunningProductionShape {
  /** The realm's issuer on HTTPS, e.g. `https://localhost:41234/realms/mcp`. */
  issuer: string;
  /** The dev CA certificate to trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** OpenBao (root token API; `deploy/vault/init.sh` provisioned it). */
  bao: DevOpenBao;
  /** OPA's base URL. */
  opaUrl: string;
  /** Every Node service of compose by name. */
  services: Readonly<Record<string, ProductionService>>;
  /** Stops everything it started, services first. Idempotent. */
  stop(): Promise<void>;
}

/** Host port compose publishes for `containerPort`, or the container port itself. */
function publishedPort(compose: ComposeFile, service: string, containerPort: number): number {
  for (const p of compose.services[service]?.ports ?? []) {
    const parts = String(p).split(':');
    if (Number(parts.at(-1)) === containerPort && parts.length >= 2) return Number(parts.at(-2));
  }
  return containerPort;
}

interface Child {
  name: string;
  stop(): Promise<void>;
}

function spawnComponent(name: string, command: string, args: string[], options: { env: Record<string, string>; cwd: string; output?: ProductionShapeOptions['output'] }): { child: ChildProcess; handle: Child } {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const take = (b: Buffer): void => options.output?.(name, b.toString('utf8'));
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, handle: { name, stop } };
}

/** A readiness probe: true when ready; otherwise false or a short description of what it saw. */
type Probe = () => Promise<boolean | string>;

async function waitFor(name: string, child: ChildProcess | undefined, probe: Probe, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: boolean | string = false;
  while (Date.now() < deadline) {
    if (child !== undefined && child.exitCode !== null) throw new Error(`${name} exited with code ${String(child.exitCode)} before it was ready`);
    last = await probe().catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready within ${String(timeoutMs / 1000)} s${typeof last === 'string' ? ` (last answer: ${last})` : ''}`);
}

const httpOk =
  (url: string): Probe =>
  async () =>
    (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;

/**
 * A Node service is ready when `/readyz` answers 200 (every dependency check passed: IdP keys, OPA,
 * upstream breaker…) — not while it answers 503 (the detail is kept for the error); one that serves no
 * `/readyz` (any other status: the simulators answer their API's not-found) when `/healthz` does.
 */
const serviceReady =
  (url: string): Probe =>
  async () => {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.text()).slice(0, 300);
    if (res.ok) return true;
    if (res.status === 503) return `HTTP 503 ${body}`;
    return httpOk(`${url}/healthz`)();
  };

/** Runs one of compose's one-shot jobs (its `entrypoint` under the rules, its environment localized). */
function runJob(compose: ComposeFile, job: string, loc: Localization, extra: { root: string; env?: Record<string, string>; output?: ProductionShapeOptions['output'] }): void {
  const svc = compose.services[job];
  if (svc === undefined) throw new TypeError(`docker-compose.yml has no ${job} job`);
  const [command, ...args] = localCommand(compose, job, svc.entrypoint, loc);
  if (command === undefined) throw new TypeError(`docker-compose.yml: ${job} has no entrypoint`);
  const result = spawnSync(command, args, {
    cwd: extra.root,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...localEnvironment(compose, job, loc), ...extra.env },
    encoding: 'utf8',
  });
  extra.output?.(job, `${result.stdout}${result.stderr}`);
  if (result.status !== 0) throw new Error(`${job} (${svc.entrypoint?.toString() ?? ''}) failed with exit ${String(result.status)}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

/**
 * Runs compose's `dev-ca` job (`deploy/certs/dev-ca.sh`: a DEV ONLY CA and Keycloak's TLS certificate
 * for the names compose gives it) into `certsDir`; idempotent (keeps an existing CA).
 *
 * @returns the files compose mounts: the CA to trust and Keycloak's certificate and key.
 * @example
 * ```ts
 * const { caFile, certificateFile, keyFile } = runDevCa(root, '/tmp/certs');
 * ```
 */
export function runDevCa(root: string, certsDir: string, output?: ProductionShapeOptions['output']): { caFile: string; certificateFile: string; keyFile: string } {
  const compose = readComposeFile(join(root, 'docker-compose.yml'));
  const loc: Localization = { root, fsRoot: join(certsDir, '.fs'), bindOverrides: { './deploy/certs/out': certsDir }, addresses: {} };
  mkdirSync(certsDir, { recursive: true });
  runJob(compose, 'dev-ca', loc, { root, ...(output ? { output } : {}) });
  const kc = localEnvironment(compose, 'keycloak', { ...loc, addresses: { keycloak: { 8443: 'localhost:8443' } } });
  return { caFile: localPath(compose, 'mcp-network', '/certs/ca.pem', loc), certificateFile: kc['KC_HTTPS_CERTIFICATE_FILE'] ?? '', keyFile: kc['KC_HTTPS_CERTIFICATE_KEY_FILE'] ?? '' };
}

/**
 * Starts the production shape of `docker-compose.yml` as local processes (module doc).
 *
 * @throws Error naming the component that did not start (everything started before it is stopped).
 */
export async function startProductionShape(options: ProductionShapeOptions): Promise<RunningProductionShape> {
  const { root } = options;
  const compose = readComposeFile(join(root, 'docker-compose.yml'));
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  const specs = nodeServices(compose);
  const certsDir = options.certsDir ?? join(root, 'deploy', 'certs', 'out');

  // Every component's ports in this run.
  const addresses: Record<string, Record<number, string>> = {};
  for (const name of [...INFRASTRUCTURE, ...specs.map((s) => s.name)]) {
    const host = name === 'keycloak' ? 'localhost' : '127.0.0.1';
    addresses[name] = {};
    for (const p of listeningPorts(compose, name)) addresses[name][p] = `${host}:${String(options.ports === 'compose' ? publishedPort(compose, name, p) : await freeLoopbackPort())}`;
  }
  const kcEnv = composeEnvironment(compose.services['keycloak'] ?? {});
  const kcPort = Number(kcEnv['KC_HTTPS_PORT'] ?? 8443);
  if (options.keycloak !== undefined) addresses['keycloak'] = { [kcPort]: new URL(options.keycloak.httpsUrl).host };
  const loc: Localization = { root, fsRoot: join(options.workDir, 'fs'), bindOverrides: { './deploy/certs/out': certsDir }, addresses };
  mkdirSync(loc.fsRoot, { recursive: true });
  mkdirSync(certsDir, { recursive: true });

  const started: Child[] = [];
  let keycloak: RunningKeycloak | undefined;
  let bao: DevOpenBao | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const c of [...started].reverse()) await c.stop();
      await bao?.stop();
      await keycloak?.stop();
    })());
  const local = (service: string, port: number): string => {
    const a = addresses[service]?.[port];
    if (a === undefined) throw new TypeError(`docker-compose.yml: ${service} does not listen on ${String(port)}`);
    return a;
  };

  try {
    // The dev CA job (idempotent: keeps an existing CA), then Keycloak on HTTPS with its certificate.
    const { caFile, certificateFile, keyFile } = runDevCa(root, certsDir, options.output);
    let httpsUrl = options.keycloak?.httpsUrl;
    if (httpsUrl === undefined) {
      keycloak = await startKeycloak({
        realmFile: join(root, 'deploy', 'keycloak', 'realm-mcp.json'),
        https: { certificateFile, keyFile, port: Number(local('keycloak', kcPort).split(':')[1]) },
        ...(options.output ? { output: (chunk: string) => options.output?.('keycloak', chunk) } : {}),
      });
      httpsUrl = keycloak.httpsUrl ?? '';
    }
    const issuer = `${httpsUrl}/realms/mcp`;

    // OPA: compose's command (bundle, config file, decision logs) and environment (GC settings) on its local address.
    const opaBin = findOpa();
    if (opaBin === undefined) throw new Error('no opa binary: run `pnpm tools ensure`');
    const opaUrl = `http://${local('opa', 8181)}`;
    const opa = spawnComponent('opa', opaBin, localCommand(compose, 'opa', compose.services['opa']?.command, loc), { env: { PATH: process.env['PATH'] ?? '', ...localEnvironment(compose, 'opa', loc) }, cwd: root, ...(options.output ? { output: options.output } : {}) });
    started.push(opa.handle);

    // Redis: compose's command, on its local address.
    const redisBin = findRedisServer();
    if (redisBin === undefined) throw new Error('no redis-server: run `pnpm tools ensure`');
    const redisPort = Number(local('redis', 6379).split(':')[1]);
    const redisArgs = localCommand(compose, 'redis', compose.services['redis']?.command, loc).slice(1);
    const redis = spawnComponent('redis', redisBin, [...redisArgs, '--port', String(redisPort), '--bind', '127.0.0.1'], { env: { PATH: process.env['PATH'] ?? '' }, cwd: root });
    started.push(redis.handle);

    // Temporal: compose's command (dev server, UI, namespace, database in its volume) on local ports.
    const temporalBin = findTemporal();
    if (temporalBin === undefined) throw new Error('no temporal CLI: run `pnpm tools ensure`');
    const temporalArgs = localCommand(compose, 'temporal', compose.services['temporal']?.command, loc);
    const ui = temporalArgs.indexOf('--ui-port');
    if (ui >= 0) temporalArgs[ui + 1] = local('temporal', Number(temporalArgs[ui + 1])).split(':')[1] ?? '';
    mkdirSync(join(loc.fsRoot, 'data'), { recursive: true });
    const temporalHttp = await freeLoopbackPort();
    const temporal = spawnComponent('temporal', temporalBin, [...temporalArgs, '--port', local('temporal', 7233).split(':')[1] ?? '', '--http-port', String(temporalHttp), '--log-level', 'warn'], { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' }, cwd: root });
    started.push(temporal.handle);

    // OpenBao (compose: Vault's dev server) with compose's dev root token, provisioned by init.sh (vault-init).
    const vaultEnv = composeEnvironment(compose.services['vault'] ?? {});
    bao = await startDevOpenBao({ port: Number(local('vault', 8200).split(':')[1]), ...(vaultEnv['VAULT_DEV_ROOT_TOKEN_ID'] === undefined ? {} : { rootToken: vaultEnv['VAULT_DEV_ROOT_TOKEN_ID'] }) });
    const baoBin = findOpenBao();
    if (baoBin === undefined) throw new Error('no bao binary: run `pnpm tools ensure`');
    // init.sh calls `vault`: OpenBao's CLI takes the same commands and VAULT_* variables.
    const shim = join(options.workDir, 'bin');
    mkdirSync(shim, { recursive: true });
    symlinkSync(baoBin, join(shim, 'vault'));
    runJob(compose, 'vault-init', loc, { root, env: { PATH: `${shim}:${process.env['PATH'] ?? ''}` }, ...(options.output ? { output: options.output } : {}) });

    await Promise.all([
      waitFor('opa', opa.child, httpOk(`${opaUrl}/health?bundles`), timeoutMs),
      waitFor('redis', redis.child, () => redisPing(redisPort), timeoutMs),
      waitFor('temporal', temporal.child, httpOk(`http://127.0.0.1:${String(temporalHttp)}/api/v1/namespaces/default`), timeoutMs),
    ]);

    // Every Node service, each once the Node services it depends on are ready.
    const services: Record<string, ProductionService> = {};
    const ready = new Map<string, Promise<void>>();
    const tsx = ['--import', 'tsx'];
    for (const spec of specs) {
      ready.set(
        spec.name,
        (async () => {
          await Promise.all(spec.dependsOn.map((d) => ready.get(d) ?? Promise.resolve()));
          const env = localEnvironment(compose, spec.name, loc);
          // Compose's own health check when it has one (the worker: its health port), else the service's PORT.
          const health = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(String(compose.services[spec.name]?.healthcheck?.test ?? ''));
          const url = health ? `http://${local(spec.name, Number(health[1]))}` : `http://127.0.0.1:${env['PORT'] ?? ''}`;
          const proc = spawnComponent(spec.name, process.execPath, [...tsx, spec.entry], {
            env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
            cwd: root,
            ...(options.output ? { output: options.output } : {}),
          });
          started.push(proc.handle);
          services[spec.name] = { url, env };
          await waitFor(spec.name, proc.child, serviceReady(url), timeoutMs);
        })(),
      );
    }
    // Wait for all (not just the first failure) so nothing starts after stop().
    const results = await Promise.allSettled(ready.values());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { issuer, caFile, bao, opaUrl, services, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
