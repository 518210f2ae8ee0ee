import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import { callerOf } from './authenticate.ts';
import { ProblemError } from './problem.ts';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per window per client identity. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
  /** Shared counters in Redis (replicas share them); in-memory counters when absent. */
  redisUrl?: string;
  /** Key prefix in Redis. Default `rest-proxy:rl:`. */
  prefix?: string;
  logger: Logger;
}

/** The middleware plus what shutdown and readiness need. */
export interface RateLimiter {
  middleware: RequestHandler;
  /** True when the counter store answers (always true in memory). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Rate limiting per client identity (`<client_id>/<sub>` of the verified
 * token) with `express-rate-limit`: IETF draft-8 `RateLimit` /
 * `RateLimit-Policy` headers, 429 problem with `Retry-After` when exceeded.
 * Counters live in Redis via `rate-limit-redis` when `redisUrl` is set. When
 * Redis is unreachable the limiter lets requests through (fail open: the
 * proxy's availability should not hinge on a counter store) and logs it.
 *
 * @example
 * ```ts
 * const limiter = await createRateLimiter({ limit: 600, windowMs: 60_000, redisUrl: process.env.REDIS_URL, logger });
 * app.use('/api', authenticateMw, limiter.middleware);
 * ```
 */
export async function createRateLimiter(options: RateLimiterOptions): Promise<RateLimiter> {
  let store: Store | undefined;
  let redis: ReturnType<typeof createClient> | undefined;
  if (options.redisUrl !== undefined) {
    redis = createClient({ url: options.redisUrl, socket: { reconnectStrategy: (retries: number) => Math.min(retries * 100, 2_000) } });
    redis.on('error', (error: unknown) => options.logger.warn('redis error', { error }));
    await redis.connect();
    const client = redis;
    store = new RedisStore({ prefix: options.prefix ?? 'rest-proxy:rl:', sendCommand: (...args: string[]) => client.sendCommand(args) });
  }
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'rest-proxy',
    passOnStoreError: true,
    ...(store ? { store } : {}),
    keyGenerator: (_req: Request, res: Response) => {
      const { principal } = callerOf(res);
      return `${principal.clientId}/${principal.id}`;
    },
    handler: (_req: Request, res: Response, next: NextFunction) => {
      const resetSeconds = Math.ceil(options.windowMs / 1000);
      next(new ProblemError('ERR_RATE_LIMITED', 'Too many requests from this client identity; slow down.', { retryAfterSeconds: Number(res.getHeader('Retry-After')) || resetSeconds }));
    },
  });
  return {
    middleware: limiter,
    ready: async () => (redis ? (await redis.ping().catch(() => '')) === 'PONG' : true),
    close: async () => {
      if (redis?.isOpen) await redis.close();
    },
  };
}
