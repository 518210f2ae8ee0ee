import { spawn, type ChildProcess } from 'node:child_process';
import { findTemporal } from '@mcp-platform/tooling/temporal';
import { freePort } from './opa.ts';

/** A running Temporal dev server (in-memory, headless) on loopback. */
export interface DevServer {
  /** gRPC frontend, `127.0.0.1:<port>` (what `TEMPORAL_ADDRESS` takes). */
  address: string;
  /** Base URL of its HTTP API (`/api/v1/…`). */
  httpUrl: string;
  /** SIGTERM, SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the real `temporal server start-dev` (the pinned CLI of `pnpm tools ensure`) on free
 * loopback ports, in memory, and resolves once its frontend serves the `default` namespace.
 *
 * @param options.readyTimeoutMs - how long to wait for the server, in ms. Default 60000.
 * @throws Error when the binary is missing or the server does not come up.
 * @example
 * ```ts
 * const temporal = await startTemporalDevServer();
 * const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
 * ```
 */
export async function startTemporalDevServer(options: { readyTimeoutMs?: number } = {}): Promise<DevServer> {
  const bin = findTemporal();
  if (bin === undefined) throw new Error('no Temporal CLI: run `pnpm tools ensure` (or set TEMPORAL_BIN)');
  const [port, httpPort] = [await freePort(), await freePort()];
  const address = `127.0.0.1:${String(port)}`;
  const httpUrl = `http://127.0.0.1:${String(httpPort)}`;
  const child: ChildProcess = spawn(bin, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort), '--headless', '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited (${String(child.exitCode)}): ${stderr}`);
    // The HTTP API is the frontend's own gateway: the namespace answering means gRPC serves it too.
    const ok = await fetch(`${httpUrl}/api/v1/namespaces/default`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`temporal dev server not up at ${address}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { address, httpUrl, stop };
}
