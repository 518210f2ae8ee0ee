import { spawn, type ChildProcess } from 'node:child_process';
import { findRedisServer, redisPing } from '@mcp-platform/tooling/redis';
import { freePort } from './opa.ts';

/** A real `redis-server` on loopback (no persistence), for tests. */
export interface RunningRedis {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** SIGTERM, then wait for exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` (installed by `pnpm tools ensure`; `$REDIS_SERVER_BIN` wins) on a free
 * port and waits until it answers `PING`.
 *
 * @example
 * ```ts
 * const redis = await startRedis();
 * process.env.REDIS_URL = redis.url;
 * await redis.stop();
 * ```
 */
export async function startRedis(options: { startTimeoutMs?: number } = {}): Promise<RunningRedis> {
  const bin = findRedisServer();
  if (bin === undefined) throw new Error('redis-server not found: run `pnpm tools ensure` (or set REDIS_SERVER_BIN)');
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (!(await redisPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
      })()),
  };
}
