/**
 * Resilience for upstream calls: one cockatiel policy per upstream (timeout, retries for
 * idempotent calls, circuit breaker), a generic JSON-over-HTTP helper, and the typed errors.
 *
 * @example
 * ```ts
 * import { createUpstreamPolicy, requestJson } from '@mcp-platform/mcp-common/resilience';
 * ```
 */
export {
  createUpstreamPolicy,
  type BreakerState,
  type ExecuteOptions,
  type UpstreamPolicy,
  type UpstreamPolicyOptions,
  type UpstreamObserver,
} from './policy.ts';
export {
  createUpstreamAgent,
  defaultErrorMessage,
  defaultUpstreamAgent,
  httpStatusError,
  parseRetryAfter,
  requestJson,
  sanitizeUpstreamMessage,
  type HttpMethod,
  type QueryValue,
  type UpstreamRequest,
  type UpstreamResponse,
} from './http.ts';
export {
  CircuitOpenError,
  UpstreamAuthError,
  UpstreamDegradedError,
  UpstreamError,
  UpstreamNotFoundError,
  UpstreamRateLimitedError,
  UpstreamRejectedError,
  UpstreamResponseInvalidError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  isNetworkError,
  isTransientUpstreamError,
  type UpstreamErrorCode,
  type UpstreamErrorOptions,
} from './errors.ts';
export {
  createUpstreamReadCache,
  staleReadsOfCurrentRequest,
  type CachedRead,
  type StaleRead,
  type UpstreamReadCache,
  type UpstreamReadCacheOptions,
} from './read-cache.ts';
