import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
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
  /**
   * Stop accepting, finish in-flight requests (up to the grace period), then close dependencies.
   * Idle keep-alive connections are closed at once (fast; a client reusing one at that instant sees
   * a reset — use {@link drain} when clients may). Idempotent.
   */
  close(): Promise<void>;
  /**
   * What SIGTERM does ({@link exitOnSignals}): stop accepting new connections, answer `GET /readyz`
   * with 503 `{"status":"draining"}` so load balancers and the MCP gateway take the replica out,
   * finish in-flight requests, and **answer** every request that still arrives on an open
   * connection (with `Connection: close`, so the client moves off it) — never reset it. Idle
   * keep-alive connections are left until their advertised `Keep-Alive: timeout` (the client knows
   * it and stops reusing them before), so none is closed under a request on its way. Bounded by the
   * grace period, then as {@link close}. Idempotent; `close()` during a drain joins it.
   */
  drain(): Promise<void>;
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
  );
  server.maxConnections = limits.maxConnections;
  let draining = false;
  /**
   * Makes `res` close its connection after it (`Connection: close`), also when the app sets
   * `Connection: keep-alive` itself (SSE responses do): Node lets an explicit header win over
   * `shouldKeepAlive`, and a connection told "keep-alive" would stay in use until the grace period cut it.
   */
  const closeAfter = (res: ServerResponse): void => {
    res.shouldKeepAlive = false;
    const setHeader = res.setHeader.bind(res);
    res.setHeader = ((name: string, value: number | string | readonly string[]) => (name.toLowerCase() === 'connection' ? res : setHeader(name, value))) as typeof res.setHeader;
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => writeHead(...args.map((a, i) => (i > 0 && a !== null && typeof a === 'object' ? withoutConnection(a) : a)))) as typeof res.writeHead;
    // Said explicitly: removing the header instead would make Node send none at all.
    if (!res.headersSent) setHeader('connection', 'close');
  };
  /** Responses whose headers are not sent yet: told to close their connection when a drain starts. */
  const pending = new Set<ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!draining) {
      pending.add(res);
      res.once('close', () => pending.delete(res));
      app(req, res);
      return;
    }
    // Draining: answered, then the connection closes (the client sees `Connection: close`, no reset).
    closeAfter(res);
    if (req.method === 'GET' && /^\/readyz(\?|$)/.test(req.url ?? '')) {
      const body = '{"status":"draining"}';
      res.writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'retry-after': '1' }).end(body);
      return;
    }
    app(req, res);
  });
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
  const graceMs = opts.shutdownGraceMs ?? 10_000;
  const shutdown = (idle: 'close' | 'wait') =>
    (closing ??= (async () => {
      draining = true;
      opts.logger.info('shutting down: draining in-flight requests', { event: { action: 'shutdown' }, labels: { idle_connections: idle } });
      for (const res of pending) if (!res.headersSent) closeAfter(res);
      pending.clear();
      // net.Server#close stops accepting and waits for every connection to end; http.Server#close
      // would also close idle keep-alive connections at once — under a client's next request.
      const drained = new Promise<void>((resolve) => {
        if (idle === 'wait') NetServer.prototype.close.call(server, () => resolve());
        else server.close(() => resolve());
      });
      const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
      if ((await Promise.race([drained, grace])) === 'timeout') {
        opts.logger.warn('grace period over: closing remaining connections', { event: { action: 'shutdown' } });
        server.closeAllConnections();
        await drained;
      }
      // Stops http.Server's own timers (the connections check), a no-op for the listener already closed.
      if (idle === 'wait') server.close(() => undefined);
      for (const fn of opts.onClose ?? []) {
        await fn().catch((error: unknown) => opts.logger.warn('error while closing a dependency', { error }));
      }
    })());
  return {
    server,
    url: `http://${host}:${port}`,
    port,
    close: () => shutdown('close'),
    drain: () => shutdown('wait'),
  };
}

/** `headers` (an object, or raw `[name, value, …]` / `[[name, value], …]` arrays) without a `Connection` entry. */
function withoutConnection(headers: object): object {
  if (!Array.isArray(headers)) return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'connection'));
  if (headers.every((h) => Array.isArray(h))) return (headers as unknown[][]).filter((h) => String(h[0]).toLowerCase() !== 'connection');
  const out: unknown[] = [];
  for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() !== 'connection') out.push(headers[i], headers[i + 1]);
  return out;
}
