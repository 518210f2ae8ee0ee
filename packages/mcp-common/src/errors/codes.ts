/** What every surface derives from one error code. */
export interface ErrorCodeInfo {
  /** HTTP status a legacy caller (the REST proxy) gets, and the status of an auth failure. */
  readonly status: number;
  /** Whether trying again later can succeed (the proxy sends `Retry-After` and `retryable: true`). */
  readonly retryable: boolean;
  /** One line for the docs and the problem type page. */
  readonly summary: string;
}

/**
 * The platform's one error vocabulary. Every `PlatformError` carries one of
 * these codes; tool results carry it in `_meta["io.mcp-platform/error"].code`;
 * the REST proxy's problem `code`, `type` and HTTP status are derived from it
 * ({@link errorCodeInfo}, {@link problemTypeOf}). Adding a code here is the only
 * way to add one.
 *
 * @example
 * ```ts
 * ERROR_CODES.ERR_UPSTREAM_TIMEOUT.status; // 504
 * ```
 */
export const ERROR_CODES = {
  ERR_CONFIG_INVALID: { status: 500, retryable: false, summary: 'The service configuration is invalid (start-up only).' },
  ERR_TOKEN_MISSING: { status: 401, retryable: false, summary: 'No bearer token was sent.' },
  ERR_TOKEN_INVALID: { status: 401, retryable: false, summary: 'The bearer token is malformed, inactive or otherwise invalid.' },
  ERR_TOKEN_EXPIRED: { status: 401, retryable: false, summary: 'The bearer token has expired.' },
  ERR_TOKEN_NOT_YET_VALID: { status: 401, retryable: false, summary: 'The bearer token is not valid yet (nbf/iat in the future).' },
  ERR_TOKEN_ISSUER: { status: 401, retryable: false, summary: 'The bearer token comes from an untrusted issuer.' },
  ERR_TOKEN_AUDIENCE: { status: 401, retryable: false, summary: 'The bearer token was issued for another resource.' },
  ERR_TOKEN_SIGNATURE: { status: 401, retryable: false, summary: 'The bearer token signature does not verify.' },
  ERR_TOKEN_ALGORITHM: { status: 401, retryable: false, summary: 'The bearer token uses an algorithm that is not accepted.' },
  ERR_TOKEN_KEY_UNKNOWN: { status: 401, retryable: false, summary: 'The bearer token was signed with a key the issuer does not publish.' },
  ERR_TOKEN_EXCHANGE: { status: 401, retryable: false, summary: 'The identity provider refused to delegate the caller token to an MCP server.' },
  ERR_INSUFFICIENT_SCOPE: { status: 403, retryable: false, summary: 'The bearer token lacks a required scope.' },
  ERR_IDP_UNAVAILABLE: { status: 503, retryable: true, summary: 'The identity provider is unreachable.' },
  ERR_AUTHZ_DENIED: { status: 403, retryable: false, summary: 'The policy denied the call.' },
  ERR_STEP_UP_REQUIRED: { status: 401, retryable: false, summary: 'The policy requires a stronger or more recent authentication (RFC 9470 insufficient_user_authentication: acr_values, max_age).' },
  ERR_AUTHZ_UNAVAILABLE: { status: 503, retryable: true, summary: 'The policy engine could not decide; the call was denied (fail closed).' },
  ERR_SECRET_UNAVAILABLE: { status: 503, retryable: true, summary: 'The secret store is unreachable and no fresh cached copy exists.' },
  ERR_SECRET_NOT_FOUND: { status: 503, retryable: true, summary: 'The upstream credentials are missing from the secret store.' },
  ERR_VAULT_LOGIN: { status: 503, retryable: true, summary: 'The secret store refused the platform login.' },
  ERR_UPSTREAM_UNAVAILABLE: { status: 503, retryable: true, summary: 'The upstream API is unreachable or answered 5xx.' },
  ERR_UPSTREAM_TIMEOUT: { status: 504, retryable: true, summary: 'The upstream API did not answer in time.' },
  ERR_UPSTREAM_AUTH: { status: 502, retryable: false, summary: "The upstream API rejected the platform's credentials; an operator must rotate them." },
  ERR_UPSTREAM_REJECTED: { status: 422, retryable: false, summary: 'The upstream API refused the request (4xx).' },
  ERR_UPSTREAM_NOT_FOUND: { status: 404, retryable: false, summary: 'The upstream API has no such object.' },
  ERR_UPSTREAM_RATE_LIMITED: { status: 503, retryable: true, summary: 'The upstream API is rate limiting the platform.' },
  ERR_UPSTREAM_INVALID_RESPONSE: { status: 502, retryable: false, summary: 'The upstream answered with a body that is not what its API documents (garbage, wrong shape).' },
  ERR_CIRCUIT_OPEN: { status: 503, retryable: true, summary: 'Calls to the upstream are paused after repeated failures (circuit open).' },
  ERR_UPSTREAM_DEGRADED: { status: 503, retryable: true, summary: 'The upstream is down (circuit open): reads are answered from the cache, marked stale; writes are refused and nothing was written.' },
  ERR_VALIDATION: { status: 422, retryable: false, summary: "The caller's arguments or request are invalid (the message names the field)." },
  ERR_RESOURCE_BUSY: { status: 409, retryable: true, summary: 'Another call is changing the same resource; nothing was written.' },
  ERR_RESOURCE_CHANGED: { status: 409, retryable: true, summary: 'The resource changed after the authorization decision; nothing was written.' },
  ERR_LOCK_UNAVAILABLE: { status: 503, retryable: true, summary: 'The shared resource-lock store (Redis) is unreachable; the write was refused (fail closed).' },
  ERR_CREDENTIAL_REPLAYED: { status: 401, retryable: false, summary: 'A single-use identity credential (a deploy-worker token) was presented a second time.' },
  ERR_WORKFLOW_STATE: { status: 409, retryable: false, summary: 'The workflow is not in a state that allows this action (not awaiting approval, past the point of stopping, or closed).' },
  ERR_NOT_FOUND: { status: 404, retryable: false, summary: 'No such endpoint, server or tool.' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, retryable: false, summary: 'The HTTP method is not supported on this path.' },
  ERR_TOOL_FAILED: { status: 422, retryable: false, summary: 'The tool failed without a platform code.' },
  ERR_RATE_LIMITED: { status: 429, retryable: true, summary: 'The caller exceeded its rate limit.' },
  ERR_CONCURRENCY_LIMITED: { status: 429, retryable: true, summary: 'The caller has too many requests in flight.' },
  ERR_OVERLOADED: { status: 503, retryable: true, summary: 'This replica is at capacity (load shedding).' },
  ERR_HOST_NOT_ALLOWED: { status: 403, retryable: false, summary: 'The Host header names no host this service answers to (DNS-rebinding protection).' },
  ERR_INTERNAL: { status: 500, retryable: false, summary: 'An unexpected failure; quote the trace id.' },
} as const satisfies Record<`ERR_${string}`, ErrorCodeInfo>;

/** Every code the platform uses. */
export type PlatformErrorCode = keyof typeof ERROR_CODES;

/** True when `value` is one of {@link ERROR_CODES} (e.g. a code read from a tool result's `_meta`). */
export function isPlatformErrorCode(value: unknown): value is PlatformErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/**
 * Status, retryability and summary of `code`.
 *
 * @example
 * ```ts
 * res.status(errorCodeInfo(err.code).status);
 * ```
 */
export function errorCodeInfo(code: PlatformErrorCode): ErrorCodeInfo {
  return ERROR_CODES[code];
}

/**
 * The RFC 9457 problem `type` URI of `code`: `ERR_UPSTREAM_TIMEOUT` → `https://mcp-platform.dev/problems/upstream-timeout`.
 *
 * @example
 * ```ts
 * problemTypeOf('ERR_NOT_FOUND'); // 'https://mcp-platform.dev/problems/not-found'
 * ```
 */
export function problemTypeOf(code: PlatformErrorCode): string {
  return `https://mcp-platform.dev/problems/${code.toLowerCase().replace(/^err_/, '').replace(/_/g, '-')}`;
}
