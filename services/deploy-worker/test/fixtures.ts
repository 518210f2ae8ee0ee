/**
 * Test fixtures: the real Temporal dev server (the pinned CLI binary), the
 * Catalyst Center and ServiceNow simulators, and an ECS logger whose lines
 * are captured for field-by-field checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { Connection } from '@temporalio/client';
import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { createLogger, type PlatformLogger } from '@mcp-platform/mcp-common/logging';
import { findTemporal } from '../../../scripts/lib/temporal.ts';
import { DEV_SECRETS } from '../src/config.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  address: string;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` (in-memory, headless) on free loopback ports; throws when the binary is missing. */
export async function startTemporalDevServer(): Promise<DevServer> {
  const bin = findTemporal();
  if (bin === undefined) throw new Error('no Temporal CLI: run `pnpm tools ensure` (or set TEMPORAL_BIN)');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited (${child.exitCode}): ${stderr}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`temporal dev server not up at ${address}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export interface Simulators {
  catalyst: CatalystSimulator;
  servicenow: ServiceNowSimulator;
  stop(): Promise<void>;
}

/** Both upstream simulators on free ports, with the dev credentials the worker's DEV_SECRETS carry. */
export async function startSimulators(options: { taskDurationMs?: number } = {}): Promise<Simulators> {
  const catalyst = await startCatalystCenterSimulator({ port: 0, ...DEV_SECRETS['catalyst-center'], taskDurationMs: options.taskDurationMs ?? 300 });
  const servicenow = await startServiceNowSimulator({ port: 0, ...DEV_SECRETS.servicenow });
  return {
    catalyst,
    servicenow,
    async stop() {
      await Promise.allSettled([catalyst.stop(), servicenow.stop()]);
    },
  };
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
