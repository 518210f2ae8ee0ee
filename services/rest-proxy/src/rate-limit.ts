import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRequestLimits, limitPerPrincipal, shedLoad, type Refusal, type RequestLimitSettings } from '@mcp-platform/mcp-common/limits';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import { createRedisConnection } from '@mcp-platform/mcp-common/redis';
import { callerOf } from './authenticate.ts';
import { ProblemError } from './problem.ts';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** The spine's limit settings (`limitsEnv`: `RATE_LIMIT_PER_SECOND`, `RATE_LIMIT_BURST`, …). */
  settings: RequestLimitSettings;
  /** Shared buckets in Redis (replicas share them); in-process buckets when absent. */
  redisUrl?: string;
  logger: Logger;
}

/** The middlewares plus what shutdown and readiness need. */
export interface RateLimiter {
  /** Per client identity: token bucket and in-flight cap (after authentication). */
  middleware: RequestHandler;
  /** Global in-flight cap of this replica (load shedding, before authentication). */
  shed: RequestHandler;
  /** True when the bucket store answers (always true in process). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The proxy's fair share, built from the spine's one limiter (`@mcp-platform/mcp-common/limits`,
 * `rate-limiter-flexible`): a token bucket and an in-flight cap per client identity
 * (`<client_id>/<sub>` of the verified token), the global in-flight cap, the same `RateLimit` /
 * `RateLimit-Policy` headers, late refusals (`REFUSAL_DELAY_MS`) and the same Redis connection
 * module — one way for the whole platform. Refusals become RFC 9457 problems (`ERR_RATE_LIMITED`,
 * `ERR_CONCURRENCY_LIMITED` 429, `ERR_OVERLOADED` 503) with `Retry-After`. While Redis is
 * unreachable the spine's insurance limiter keeps enforcing the limits per replica.
 *
 * @example
 * ```ts
 * const limiter = await createRateLimiter({ settings: limitSettingsFromConfig(config), redisUrl: config.REDIS_URL, logger });
 * app.get('/api/v1/servers', limiter.shed, authenticate, limiter.middleware, handler);
 * ```
 */
export async function createRateLimiter(options: RateLimiterOptions): Promise<RateLimiter> {
  const redis = options.redisUrl === undefined ? undefined : await createRedisConnection({ url: options.redisUrl, logger: options.logger });
  const limits = createRequestLimits({ name: 'rest-proxy', settings: options.settings, logger: options.logger, ...(redis ? { redis: redis.client } : {}) });
  const refuse = (_req: Request, _res: Response, next: NextFunction, refusal: Refusal) =>
    next(new ProblemError(refusal.code, refusal.message, { retryAfterSeconds: refusal.retryAfterSeconds }));
  return {
    middleware: limitPerPrincipal({
      rate: limits.rate,
      concurrency: limits.perPrincipal,
      keyOf: (_req, res) => {
        const { principal } = callerOf(res);
        return `${principal.clientId}/${principal.id}`;
      },
      refuse,
      refusalDelayMs: limits.refusalDelayMs,
    }),
    shed: shedLoad(limits.inFlight, refuse),
    ready: async () => (redis ? redis.ready() : true),
    close: async () => {
      await redis?.close();
    },
  };
}
