import type { createClient as CreateClientFn } from 'redis';
import type { Logger } from '../logging/index.ts';

/** node-redis is loaded only by a process that has a `REDIS_URL` (it is large; servers without Redis start faster). */
type CreateClient = typeof CreateClientFn;

function connect(createClient: CreateClient, options: RedisConnectionOptions, state: { everReady: boolean }) {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  return createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      // The first connect fails fast (start-up names the problem); later drops reconnect forever with backoff.
      reconnectStrategy: (retries: number, cause: Error) => (state.everReady ? Math.min(50 * 2 ** Math.min(retries, 10), maxDelay) : cause),
    },
  });
}

/** The node-redis client type the spine hands out. */
export type RedisClient = ReturnType<typeof connect>;

/** Options of {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /** `redis://` or `rediss://` URL (`REDIS_URL`). */
  url: string;
  logger: Logger;
  /** Connect timeout in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** Longest wait between reconnect attempts in ms. Default 2000. */
  maxReconnectDelayMs?: number;
}

/** One shared Redis connection of a process (rate limits, locks, caches across replicas). */
export interface RedisConnection {
  /** The connected client. Commands fail at once while disconnected (no offline queue), so callers can fall back. */
  readonly client: RedisClient;
  /** True when the server answers `PING`. */
  ready(): Promise<boolean>;
  /** Closes the connection (idempotent). */
  close(): Promise<void>;
}

/**
 * The spine's one Redis connection: node-redis with bounded reconnect backoff,
 * no offline queue (a command while Redis is down fails immediately instead of
 * hanging a request), errors logged as warnings (never the URL: it may carry a
 * password). Every spine feature that shares state across replicas (rate
 * limits, per-resource locks) takes this connection instead of opening its own.
 *
 * The first connect is awaited; when Redis is unreachable at start the promise
 * rejects, naming the problem, so a misconfigured `REDIS_URL` stops start-up.
 *
 * @example
 * ```ts
 * const redis = await createRedisConnection({ url: config.REDIS_URL, logger });
 * const limiter = createRateLimiter({ ..., redis: redis.client });
 * // shutdown: await redis.close();
 * ```
 */
export async function createRedisConnection(options: RedisConnectionOptions): Promise<RedisConnection> {
  if (!/^rediss?:\/\//.test(options.url)) throw new TypeError('url must be a redis:// or rediss:// URL');
  const state = { everReady: false };
  const { createClient } = await import('redis');
  const client = connect(createClient, options, state);
  client.once('ready', () => (state.everReady = true));
  let lastWarn = 0;
  client.on('error', (error: unknown) => {
    // Reconnect loops emit an error per attempt: one warning per 10 s is enough.
    if (Date.now() - lastWarn < 10_000) return;
    lastWarn = Date.now();
    options.logger.warn('redis connection error', { error: { message: error instanceof Error ? error.message : String(error) }, event: { action: 'redis-connection' } });
  });
  try {
    await client.connect();
  } catch (err) {
    client.destroy();
    throw new Error(`cannot connect to Redis (REDIS_URL): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let closed = false;
  return {
    client,
    ready: async () => {
      if (!client.isReady) return false;
      return (await client.ping().catch(() => '')) === 'PONG';
    },
    close: async () => {
      if (closed) return;
      closed = true;
      if (client.isOpen) await client.close().catch(() => client.destroy());
      else client.destroy();
    },
  };
}
