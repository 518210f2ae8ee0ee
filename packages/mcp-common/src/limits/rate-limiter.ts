import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../logging/index.ts';
import type { RedisClient } from '../redis/index.ts';

/** A per-key token-bucket policy: a steady refill rate plus a burst reserve. */
export interface RateLimitPolicy {
  /** Name shown in the `RateLimit` / `RateLimit-Policy` headers, e.g. `mcp-network`. */
  name: string;
  /** Steady refill: requests per second a key may make indefinitely. */
  ratePerSecond: number;
  /** Extra requests a key may make above the steady rate (the bucket's depth). 0: none. */
  burst: number;
  /** Time in seconds over which a spent burst reserve comes back. */
  burstWindowSeconds: number;
}

/** The answer of {@link RateLimiter.consume}. */
export interface RateLimitResult {
  allowed: boolean;
  /** Requests left in the current steady window (0 when refused). */
  remaining: number;
  /** Seconds until the key may try again (refused) or until its window resets (allowed); at least 1. */
  resetSeconds: number;
}

/** A per-key rate limiter. */
export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  /**
   * Takes `points` tokens (default 1; a heavy call costs more) for `key`. Never rejects: a
   * failing store falls back to in-process counters.
   */
  consume(key: string, points?: number): Promise<RateLimitResult>;
  /** `"<name>"; q=<rate>; w=1` — the draft IETF `RateLimit-Policy` header value. */
  policyHeader(): string;
}

/** Options of {@link createRateLimiter}. */
export interface CreateRateLimiterOptions {
  policy: RateLimitPolicy;
  /** Shared counters (every replica sees the same buckets). In-process counters when absent. */
  redis?: RedisClient;
  /** Key prefix in Redis, e.g. `mcp:rl:network`. */
  keyPrefix: string;
  logger: Logger;
}

/**
 * A token-bucket rate limiter per key (per principal), built on
 * `rate-limiter-flexible`: its `BurstyRateLimiter` composes a steady limiter
 * (`ratePerSecond` per 1-s window) with a burst reserve (`burst` per
 * `burstWindowSeconds`) — the library's token-bucket equivalent, atomic in
 * Redis through its Lua script. With `redis`, counters are shared by every
 * replica; while Redis is unreachable the library's `insuranceLimiter` keeps
 * enforcing the same policy per replica (neither fail-open nor fail-closed).
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ policy: { name: 'mcp-network', ratePerSecond: 20, burst: 40, burstWindowSeconds: 10 }, keyPrefix: 'mcp:rl:network', logger });
 * const r = await limiter.consume(`user:${principal.id}`);
 * if (!r.allowed) res.status(429).set('Retry-After', String(r.resetSeconds));
 * ```
 */
export function createRateLimiter(options: CreateRateLimiterOptions): RateLimiter {
  const { policy } = options;
  if (!Number.isInteger(policy.ratePerSecond) || policy.ratePerSecond < 1) throw new TypeError('policy.ratePerSecond must be a positive integer');
  if (!Number.isInteger(policy.burst) || policy.burst < 0) throw new TypeError('policy.burst must be an integer >= 0');
  if (!Number.isInteger(policy.burstWindowSeconds) || policy.burstWindowSeconds < 1) throw new TypeError('policy.burstWindowSeconds must be a positive integer');

  const build = (keyPrefix: string, points: number, duration: number) =>
    options.redis
      ? new RateLimiterRedis({
          storeClient: options.redis,
          useRedisPackage: true,
          rejectIfRedisNotReady: true,
          keyPrefix,
          points,
          duration,
          insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
        })
      : new RateLimiterMemory({ keyPrefix, points, duration });
  const steady = build(`${options.keyPrefix}:rate`, policy.ratePerSecond, 1);
  const limiter =
    policy.burst > 0 ? new BurstyRateLimiter(steady, build(`${options.keyPrefix}:burst`, policy.burst, policy.burstWindowSeconds)) : steady;

  const toResult = (res: RateLimiterRes, allowed: boolean): RateLimitResult => ({
    allowed,
    remaining: allowed ? Math.max(0, res.remainingPoints) : 0,
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  });

  return {
    policy,
    policyHeader: () => `"${policy.name}"; q=${policy.ratePerSecond}; w=1`,
    async consume(key: string, points = 1): Promise<RateLimitResult> {
      if (!Number.isInteger(points) || points < 1) throw new TypeError('points must be a positive integer');
      try {
        return toResult(await limiter.consume(key, points), true);
      } catch (err) {
        if (err instanceof RateLimiterRes) return toResult(err, false);
        // Both the store and the insurance limiter failed: let the call through (logged), the
        // concurrency caps and the global in-flight cap still bound the damage.
        options.logger.warn('rate limiter unavailable: request let through', { error: err, event: { action: 'rate-limit' } });
        return { allowed: true, remaining: 0, resetSeconds: 1 };
      }
    },
  };
}
