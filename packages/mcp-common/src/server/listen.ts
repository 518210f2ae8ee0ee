import { createServer, type Server } from 'node:http';
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
  /** Connection limits and timeouts. Defaults: {@link DEFAULT_HTTP_LIMITS}. */
  http?: HttpLimits;
}

/** Connection-level limits of the HTTP server (slow-client and connection-exhaustion defences). */
export interface HttpLimits {
  /** Time to receive the complete request headers, in ms (slowloris). Default 15000. */
  headersTimeoutMs?: number;
  /** Time to receive the complete request, body included, in ms; the client gets 408. Default 30000. */
  requestTimeoutMs?: number;
  /** Idle time after which a keep-alive connection is closed, in ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Most open connections; more are dropped on accept. Default 1024. */
  maxConnections?: number;
  /** How often Node checks the header/request timeouts, in ms. Default 1000 (Node's own is 30000). */
  timeoutCheckIntervalMs?: number;
}

/** The defaults of {@link HttpLimits}. */
export const DEFAULT_HTTP_LIMITS: Required<HttpLimits> = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
  timeoutCheckIntervalMs: 1_000,
};

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
 * Starts `app` and returns a handle whose `close()` drains gracefully. The
 * server enforces {@link HttpLimits}: a client that trickles its headers or its
 * body is cut off (headers timeout, request timeout → 408), idle keep-alive
 * connections are closed, and connections beyond the cap are dropped.
 *
 * @example
 * ```ts
 * const running = await listen(app, { host: '127.0.0.1', port: 8101, logger, onClose: [() => authorizer.close()] });
 * process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
 * ```
 */
export async function listen(app: Express, opts: ListenOptions): Promise<RunningServer> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...opts.http };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new TypeError('http.headersTimeoutMs must not exceed http.requestTimeoutMs');
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    app,
  );
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
