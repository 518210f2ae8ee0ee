import { PlatformError, type PlatformErrorCode } from '../errors/base.ts';

/** Codes an {@link UpstreamError} may carry. */
export type UpstreamErrorCode = Extract<
  PlatformErrorCode,
  | 'ERR_UPSTREAM_UNAVAILABLE'
  | 'ERR_UPSTREAM_TIMEOUT'
  | 'ERR_UPSTREAM_AUTH'
  | 'ERR_UPSTREAM_REJECTED'
  | 'ERR_UPSTREAM_NOT_FOUND'
  | 'ERR_UPSTREAM_RATE_LIMITED'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_UPSTREAM_DEGRADED'
  | 'ERR_UPSTREAM_INVALID_RESPONSE'
>;

/** Options shared by every {@link UpstreamError}. */
export interface UpstreamErrorOptions {
  /** HTTP status the upstream answered with; absent for network errors and timeouts. */
  status?: number;
  /** The underlying error (kept for diagnostics; never shown to a caller). */
  cause?: unknown;
  /**
   * Whether the failure is transient: retried (for idempotent calls) and counted by the
   * circuit breaker. Each subclass sets a sensible default.
   */
  retryable?: boolean;
}

/**
 * A failure talking to an upstream API (Catalyst Center, ServiceNow, GitHub…).
 * `upstream` names the upstream, `status` is its HTTP status when it answered, and
 * `message` is safe to show: it never contains credentials, tokens or request bodies.
 *
 * @example
 * ```ts
 * try { await client.getDevice(id); }
 * catch (err) {
 *   if (err instanceof UpstreamError && err.code === 'ERR_UPSTREAM_NOT_FOUND') return notFound();
 *   throw err;
 * }
 * ```
 */
export class UpstreamError<C extends UpstreamErrorCode = UpstreamErrorCode> extends PlatformError<C> {
  /** Name of the upstream, e.g. `catalyst-center`. */
  readonly upstream: string;
  /** HTTP status the upstream answered with, if it answered. */
  readonly status: number | undefined;
  /** True when the failure is transient (retry-worthy, counted by the breaker). */
  readonly retryable: boolean;

  constructor(code: C, upstream: string, message: string, options: UpstreamErrorOptions = {}) {
    super(code, message, { cause: options.cause });
    this.upstream = upstream;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * The upstream could not be reached (network error) or answered 5xx.
 * Retryable for network errors and 502/503/504; a plain 500 is not retried.
 *
 * @example
 * ```ts
 * throw new UpstreamUnavailableError('catalyst-center', { status: 503 });
 * ```
 */
export class UpstreamUnavailableError extends UpstreamError<'ERR_UPSTREAM_UNAVAILABLE'> {
  static readonly code = 'ERR_UPSTREAM_UNAVAILABLE';

  constructor(upstream: string, options: UpstreamErrorOptions = {}) {
    const status = options.status;
    super(
      'ERR_UPSTREAM_UNAVAILABLE',
      upstream,
      status === undefined ? `${upstream} is unreachable` : `${upstream} is unavailable (HTTP ${status})`,
      { ...options, retryable: options.retryable ?? (status === undefined || status === 502 || status === 503 || status === 504) },
    );
  }
}

/**
 * One attempt took longer than the policy's `timeoutMs`. Retryable.
 *
 * @example
 * ```ts
 * if (err instanceof UpstreamTimeoutError) log.warn('slow upstream', { upstream: err.upstream });
 * ```
 */
export class UpstreamTimeoutError extends UpstreamError<'ERR_UPSTREAM_TIMEOUT'> {
  static readonly code = 'ERR_UPSTREAM_TIMEOUT';

  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(upstream: string, timeoutMs: number, options: UpstreamErrorOptions = {}) {
    super('ERR_UPSTREAM_TIMEOUT', upstream, `${upstream} did not answer within ${timeoutMs} ms`, { retryable: true, ...options });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The upstream rejected our credentials (401, or 403 on a credential check). Never retried:
 * the caller should re-read the credential (e.g. from Vault) before trying again.
 *
 * @example
 * ```ts
 * if (err instanceof UpstreamAuthError) secrets.invalidate('mcp/catalyst-center');
 * ```
 */
export class UpstreamAuthError extends UpstreamError<'ERR_UPSTREAM_AUTH'> {
  static readonly code = 'ERR_UPSTREAM_AUTH';

  constructor(upstream: string, options: UpstreamErrorOptions = {}) {
    super('ERR_UPSTREAM_AUTH', upstream, `${upstream} rejected the configured credentials`, { ...options, retryable: false });
  }
}

/**
 * The upstream refused the request (4xx business error). `message` carries the upstream's own
 * explanation when one could be extracted safely. Never retried.
 *
 * @example
 * ```ts
 * throw new UpstreamRejectedError('catalyst-center', 'Template not found', { status: 400 });
 * ```
 */
export class UpstreamRejectedError extends UpstreamError<'ERR_UPSTREAM_REJECTED'> {
  static readonly code = 'ERR_UPSTREAM_REJECTED';

  constructor(upstream: string, detail: string | undefined, options: UpstreamErrorOptions = {}) {
    const status = options.status === undefined ? '' : ` (HTTP ${options.status})`;
    super('ERR_UPSTREAM_REJECTED', upstream, `${upstream} rejected the request${status}${detail ? `: ${detail}` : ''}`, {
      ...options,
      retryable: false,
    });
  }
}

/**
 * The upstream answered 404 for the requested resource. Never retried.
 *
 * @example
 * ```ts
 * if (isPlatformError(err, 'ERR_UPSTREAM_NOT_FOUND')) return null;
 * ```
 */
export class UpstreamNotFoundError extends UpstreamError<'ERR_UPSTREAM_NOT_FOUND'> {
  static readonly code = 'ERR_UPSTREAM_NOT_FOUND';

  constructor(upstream: string, detail: string | undefined, options: UpstreamErrorOptions = {}) {
    super('ERR_UPSTREAM_NOT_FOUND', upstream, `${upstream}: not found${detail ? ` (${detail})` : ''}`, {
      status: 404,
      ...options,
      retryable: false,
    });
  }
}

/**
 * The upstream answered 429. `retryAfterMs` comes from its `Retry-After` header when present.
 * Retryable (the policy waits `retryAfterMs` when it is within `maxDelayMs`).
 *
 * @example
 * ```ts
 * if (err instanceof UpstreamRateLimitedError) res.set('Retry-After', String(Math.ceil((err.retryAfterMs ?? 1000) / 1000)));
 * ```
 */
export class UpstreamRateLimitedError extends UpstreamError<'ERR_UPSTREAM_RATE_LIMITED'> {
  static readonly code = 'ERR_UPSTREAM_RATE_LIMITED';

  /** How long the upstream asked us to wait, in milliseconds, if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(upstream: string, retryAfterMs: number | undefined, options: UpstreamErrorOptions = {}) {
    super('ERR_UPSTREAM_RATE_LIMITED', upstream, `${upstream} is rate limiting requests`, { status: 429, retryable: true, ...options });
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The upstream answered with a body that does not have the documented shape
 * (`ERR_UPSTREAM_INVALID_RESPONSE`: upstream garbage, never the caller's fault).
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse(body);
 * if (!parsed.success) throw new UpstreamResponseInvalidError('catalyst-center', 'GET /network-device', { cause: parsed.error });
 * ```
 */
export class UpstreamResponseInvalidError extends UpstreamError<'ERR_UPSTREAM_INVALID_RESPONSE'> {
  static readonly code = 'ERR_UPSTREAM_INVALID_RESPONSE';

  constructor(upstream: string, operation: string, options: UpstreamErrorOptions = {}) {
    super('ERR_UPSTREAM_INVALID_RESPONSE', upstream, `${upstream} returned an unexpected response to ${operation}`, { ...options, retryable: false });
  }
}

/**
 * The circuit breaker for this upstream is open: the call was not attempted.
 *
 * @example
 * ```ts
 * if (err instanceof CircuitOpenError) return toolError(`${err.upstream} is failing; try again later`);
 * ```
 */
export class CircuitOpenError extends UpstreamError<'ERR_CIRCUIT_OPEN'> {
  static readonly code = 'ERR_CIRCUIT_OPEN';

  constructor(upstream: string, options: UpstreamErrorOptions = {}) {
    super('ERR_CIRCUIT_OPEN', upstream, `${upstream} is failing; calls are paused (circuit open)`, { ...options, retryable: false });
  }
}

/**
 * Degraded mode refused a write: the upstream's breaker is open, so the platform answers reads from
 * its cache and refuses every write tool before anything is read, decided or written.
 *
 * @example
 * ```ts
 * if (tool.action !== 'read' && breaker() === 'open') throw new UpstreamDegradedError('catalyst-center');
 * ```
 */
export class UpstreamDegradedError extends UpstreamError<'ERR_UPSTREAM_DEGRADED'> {
  static readonly code = 'ERR_UPSTREAM_DEGRADED';

  constructor(upstream: string, options: UpstreamErrorOptions = {}) {
    super('ERR_UPSTREAM_DEGRADED', upstream, `${upstream} is down; writes are refused until it recovers (nothing was written)`, { ...options, retryable: false });
  }
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * True when `err` is a network-level failure (connection refused/reset, DNS, socket closed),
 * looking through `cause` chains.
 *
 * @example
 * ```ts
 * if (isNetworkError(err)) throw new UpstreamUnavailableError('github', { cause: err });
 * ```
 */
export function isNetworkError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when `err` is a transient failure: retried for idempotent calls and counted by the
 * circuit breaker (network errors, timeouts, 502/503/504, 429).
 *
 * @example
 * ```ts
 * const retry = isTransientUpstreamError(err) && idempotent;
 * ```
 */
export function isTransientUpstreamError(err: unknown): boolean {
  if (err instanceof UpstreamError) return err.retryable;
  return isNetworkError(err);
}
