/**
 * Test fixtures: the real Temporal dev server (from @mcp-platform/test-support), the
 * Catalyst Center and ServiceNow simulators, and an ECS logger whose lines
 * are captured for field-by-field checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { createLogger, type PlatformLogger } from '@mcp-platform/mcp-common/logging';
import { DEFAULT_WORKER_AUDIENCE } from '@mcp-platform/deployment-contract';
import { DEV_SECRETS } from '../src/config.ts';

export { freePort, startAll, startTemporalDevServer, type DevServer } from '@mcp-platform/test-support';

export interface Simulators {
  catalyst: CatalystSimulator;
  servicenow: ServiceNowSimulator;
  stop(): Promise<void>;
}

/** Both upstream simulators on free ports, with the dev credentials the worker's DEV_SECRETS carry. */
export async function startSimulators(options: { taskDurationMs?: number } = {}): Promise<Simulators> {
  // The first is stopped when the second fails to start; on success the stack moves to stop().
  await using started = new AsyncDisposableStack();
  const catalyst = started.adopt(await startCatalystCenterSimulator({ port: 0, ...DEV_SECRETS['catalyst-center'], taskDurationMs: options.taskDurationMs ?? 300 }), (c) => c.stop());
  const servicenow = started.adopt(await startServiceNowSimulator({ port: 0, ...DEV_SECRETS.servicenow }), (c) => c.stop());
  const owned = started.move();
  return { catalyst, servicenow, stop: () => owned.disposeAsync() };
}

/** A real ECS logger writing into memory; `lines()` parses what was written. */
export function captureLogger(): { logger: PlatformLogger; lines: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (b: Buffer) => chunks.push(b.toString()));
  const logger = createLogger({ serviceName: 'deploy-worker', serviceVersion: '0.1.0', stream, level: 'warn' });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export const SEED = {
  template: '7e000000-0000-4000-8000-000000000001',
  access: ['de000000-0000-4000-8000-000000000005', 'de000000-0000-4000-8000-000000000006', 'de000000-0000-4000-8000-000000000007', 'de000000-0000-4000-8000-000000000008'],
  unreachable: 'de000000-0000-4000-8000-00000000000f',
};

export const USERS = {
  alice: { id: 'alice', groups: ['admin'] },
  nina: { id: 'nina', groups: ['network-engineers'] },
  sam: { id: 'sam', groups: ['service-desk'] },
};

/** The dev identity provider (a real OpenID Provider) and fresh worker credentials of its seeded users. */
export interface IdentityFixture {
  idp: RunningIdentityProvider;
  /** A fresh access token of `user` for the deploy worker (or another `audience`). */
  credential(user: string, options?: { audience?: string; ttlSeconds?: number }): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the dev IdP on a free port. */
export async function startIdentity(): Promise<IdentityFixture> {
  const idp = await startIdentityProvider({ port: 0 });
  return {
    idp,
    credential: (user, options = {}) =>
      idp.issueToken({ user, audience: options.audience ?? DEFAULT_WORKER_AUDIENCE, ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}) }),
    stop: () => idp.stop(),
  };
}

/** A worker started by {@link spawnWorker}: its process, everything it wrote, and its exit. */
export interface SpawnedWorker {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * The worker as a real `src/main.ts` child process, not waited for (a test may start a deployment before the
 * worker polls, or kill it at any moment): Temporal at `temporalAddress`, the prebuilt workflow bundle, the
 * simulators, in-process Wasm policy, dev secrets, a probe server on a free port; `env` adds to or overrides
 * that (LOG_LEVEL, metrics, OTEL_*).
 *
 * @example
 * ```ts
 * const w = spawnWorker({ temporalAddress: server.address, taskQueue: 'deploy-crash', identity, sims, bundlePath }, { LOG_LEVEL: 'info' });
 * w.child.kill('SIGKILL');
 * ```
 */
export function spawnWorker(
  at: { temporalAddress: string; taskQueue: string; identity: IdentityFixture; sims: Simulators; bundlePath: string },
  env: Record<string, string> = {},
): SpawnedWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      TEMPORAL_ADDRESS: at.temporalAddress,
      TEMPORAL_TASK_QUEUE: at.taskQueue,
      OIDC_ISSUER: at.identity.idp.issuer,
      WORKFLOW_BUNDLE_PATH: at.bundlePath,
      HEALTH_PORT: '0',
      CATALYST_BASE_URL: at.sims.catalyst.url,
      SERVICENOW_INSTANCE_URL: at.sims.servicenow.url,
      AUTHZ_MODE: 'wasm',
      ALLOW_DEV_SECRETS: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}
