export { createRateLimiter, type CreateRateLimiterOptions, type RateLimiter, type RateLimitPolicy, type RateLimitResult } from './rate-limiter.ts';
export { createConcurrencyLimiter, type ConcurrencyLimiter, type Release } from './concurrency.ts';
export { chargeCallCost, limitPerPrincipal, shedLoad, type CallCostOptions, type PrincipalLimitsOptions, type Refusal, type RefusalWriter } from './middleware.ts';
export { DEFAULT_LIMITS, createRequestLimits, limitSettingsFromConfig, type RequestLimitSettings, type RequestLimits } from './request-limits.ts';
