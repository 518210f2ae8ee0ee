import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '../logging/index.ts';

/** Options of {@link listen}. */
export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** How long shutdown waits for in-flight requests before cutting connections, in ms. Default 10000. */
  shutdownGraceMs?: number;
  /** Closed in order after the HTTP server has drained (MCP handler, OPA/Vault pools, logger…). */
  onClose?: Array<() => Promise<void>>;
}

/** A listening server. */
export interface RunningServer {
  server: Server;
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Stop accepting, finish in-flight requests (up to the grace period), then close dependencies. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts `app` and returns a handle whose `close()` drains gracefully.
 *
 * @example
 * ```ts
 * const running = await listen(app, { host: '127.0.0.1', port: 8101, logger, onClose: [() => authorizer.close()] });
 * process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
 * ```
 */
export async function listen(app: Express, opts: ListenOptions): Promise<RunningServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      opts.logger.info('shutting down: draining in-flight requests', { event: { action: 'shutdown' } });
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), opts.shutdownGraceMs ?? 10_000).unref());
      if ((await Promise.race([drained, grace])) === 'timeout') {
        opts.logger.warn('grace period over: closing remaining connections', { event: { action: 'shutdown' } });
        server.closeAllConnections();
        await drained;
      }
      for (const fn of opts.onClose ?? []) {
        await fn().catch((error: unknown) => opts.logger.warn('error while closing a dependency', { error }));
      }
    })());
  return { server, url: `http://${host}:${port}`, port, close };
}
