import { platformErrorOf, type PlatformErrorCode } from '../errors/index.ts';

/** `_meta` key carrying the platform error code on `isError` tool results (the REST proxy maps it to HTTP). */
export const ERROR_META_KEY = 'io.mcp-platform/error';

/** How a failed call is shown to the caller. */
export interface ToolFailure {
  code: PlatformErrorCode;
  message: string;
  retryable: boolean;
  /** When the upstream said how long to wait (rate limits), in milliseconds. */
  retryAfterMs?: number;
}

const UNAVAILABLE: PlatformErrorCode[] = ['ERR_UPSTREAM_UNAVAILABLE', 'ERR_UPSTREAM_TIMEOUT', 'ERR_CIRCUIT_OPEN', 'ERR_UPSTREAM_RATE_LIMITED'];

/**
 * Turns whatever a handler threw into a caller-safe failure. Only a
 * `PlatformError`'s own (generic, secret-free) message is shown; anything
 * unexpected becomes "internal error" with the trace id to quote.
 */
export function toToolFailure(thrown: unknown, upstreamName: string, traceId: string | undefined): ToolFailure {
  const err = platformErrorOf(thrown);
  if (err !== undefined) {
    const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
    if (err.code === 'ERR_UPSTREAM_RATE_LIMITED' && typeof retryAfterMs === 'number' && retryAfterMs > 0) {
      const seconds = Math.ceil(retryAfterMs / 1000);
      return { code: err.code, message: `${upstreamName} is rate limiting requests; try again in ${seconds} s.`, retryable: true, retryAfterMs };
    }
    if (UNAVAILABLE.includes(err.code)) {
      return { code: err.code, message: `${upstreamName} is unavailable right now (${err.message}); try again later.`, retryable: true };
    }
    switch (err.code) {
      case 'ERR_SECRET_UNAVAILABLE':
      case 'ERR_SECRET_NOT_FOUND':
        return { code: err.code, message: `Credentials for ${upstreamName} are unavailable right now; try again later.`, retryable: true };
      case 'ERR_UPSTREAM_AUTH':
        return { code: err.code, message: `${upstreamName} rejected the platform's credentials; an operator must rotate them.`, retryable: false };
      case 'ERR_RESOURCE_BUSY':
      case 'ERR_RESOURCE_CHANGED':
      case 'ERR_LOCK_UNAVAILABLE':
        return { code: err.code, message: err.message, retryable: true };
      case 'ERR_UPSTREAM_DEGRADED':
        return { code: err.code, message: `${upstreamName} is down: reads are answered from the platform's cache, writes are refused until it recovers. Nothing was written; try again later.`, retryable: true };
      case 'ERR_AUTHZ_UNAVAILABLE':
        return { code: err.code, message: 'Authorization service unavailable: the call was denied (fail closed).', retryable: true };
      default:
        return { code: err.code, message: err.message, retryable: false };
    }
  }
  return { code: 'ERR_INTERNAL', message: `Internal error${traceId ? ` (trace id ${traceId})` : ''}.`, retryable: false };
}
