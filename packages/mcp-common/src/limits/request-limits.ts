import type { Logger } from '../logging/index.ts';
import type { RedisClient } from '../redis/index.ts';
import { createConcurrencyLimiter, type ConcurrencyLimiter } from './concurrency.ts';
import { createRateLimiter, type RateLimiter } from './rate-limiter.ts';

/** The three limits of one service: per-principal rate and concurrency, global in-flight. */
export interface RequestLimits {
  rate: RateLimiter;
  perPrincipal: ConcurrencyLimiter;
  inFlight: ConcurrencyLimiter;
  /** Delay before a principal's 429 is answered, in ms (at most its `Retry-After`); 0 = at once. */
  refusalDelayMs: number;
}

/** The numbers of {@link createRequestLimits} (the `limitsEnv` variables). */
export interface RequestLimitSettings {
  /** Steady requests per second per principal. Default 50. */
  ratePerSecond?: number;
  /** Burst reserve per principal. Default 100. */
  burst?: number;
  /** Seconds for a spent burst to come back. Default 10. */
  burstWindowSeconds?: number;
  /** Requests in flight per principal. Default 16. */
  concurrencyPerPrincipal?: number;
  /** Requests in flight on this replica. Default 256. */
  maxInFlight?: number;
  /** Delay before a principal's 429 is answered, in ms. Default 1000. */
  refusalDelayMs?: number;
}

/** The defaults of {@link RequestLimitSettings} (also the `limitsEnv` defaults). */
export const DEFAULT_LIMITS: Required<RequestLimitSettings> = {
  ratePerSecond: 50,
  burst: 100,
  burstWindowSeconds: 10,
  concurrencyPerPrincipal: 16,
  maxInFlight: 256,
  refusalDelayMs: 1_000,
};

/**
 * Builds a service's request limits; rate buckets live in Redis when `redis`
 * is given (every replica shares them), in process otherwise.
 *
 * @example
 * ```ts
 * const limits = createRequestLimits({ name: 'mcp-network', settings: { ratePerSecond: config.RATE_LIMIT_PER_SECOND }, redis: redis?.client, logger });
 * ```
 */
export function createRequestLimits(options: { name: string; settings?: RequestLimitSettings; redis?: RedisClient; logger: Logger }): RequestLimits {
  const s = { ...DEFAULT_LIMITS, ...options.settings };
  return {
    rate: createRateLimiter({
      policy: { name: options.name, ratePerSecond: s.ratePerSecond, burst: s.burst, burstWindowSeconds: s.burstWindowSeconds },
      keyPrefix: `mcp:rl:${options.name}`,
      logger: options.logger,
      ...(options.redis ? { redis: options.redis } : {}),
    }),
    perPrincipal: createConcurrencyLimiter(s.concurrencyPerPrincipal),
    inFlight: createConcurrencyLimiter(s.maxInFlight),
    refusalDelayMs: s.refusalDelayMs,
  };
}

/**
 * The limit settings from a service's parsed `limitsEnv` configuration.
 *
 * @example
 * ```ts
 * createRequestLimits({ name, settings: limitSettingsFromConfig(config), logger });
 * ```
 */
export function limitSettingsFromConfig(config: {
  RATE_LIMIT_PER_SECOND: number;
  RATE_LIMIT_BURST: number;
  RATE_LIMIT_BURST_WINDOW_SECONDS: number;
  CONCURRENCY_PER_PRINCIPAL: number;
  MAX_IN_FLIGHT: number;
  REFUSAL_DELAY_MS: number;
}): Required<RequestLimitSettings> {
  return {
    ratePerSecond: config.RATE_LIMIT_PER_SECOND,
    burst: config.RATE_LIMIT_BURST,
    burstWindowSeconds: config.RATE_LIMIT_BURST_WINDOW_SECONDS,
    concurrencyPerPrincipal: config.CONCURRENCY_PER_PRINCIPAL,
    maxInFlight: config.MAX_IN_FLIGHT,
    refusalDelayMs: config.REFUSAL_DELAY_MS,
  };
}
