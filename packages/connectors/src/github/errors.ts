import { RequestError } from '@octokit/request-error';
import {
  UpstreamAuthError,
  UpstreamNotFoundError,
  UpstreamRateLimitedError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
  parseRetryAfter,
  sanitizeUpstreamMessage,
  type UpstreamError,
} from '@mcp-platform/mcp-common/resilience';

/** Upstream name in errors, logs and the circuit breaker. */
export const UPSTREAM = 'github';

/**
 * GitHub's own explanation from an error body: `message`, plus the `errors[]` details of a
 * 422 (`message`, else `code` of `field`). One safe line.
 *
 * @example
 * ```ts
 * githubMessage({ message: 'Validation Failed', errors: [{ code: 'custom', message: 'No commits between main and x' }] });
 * // 'Validation Failed: No commits between main and x'
 * ```
 */
export function githubMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return sanitizeUpstreamMessage(body);
  const b = body as { message?: unknown; errors?: unknown };
  const message = sanitizeUpstreamMessage(b.message);
  const details = Array.isArray(b.errors)
    ? b.errors
        .map((e: unknown) => {
          if (typeof e === 'string') return sanitizeUpstreamMessage(e);
          if (e === null || typeof e !== 'object') return undefined;
          const x = e as Record<string, unknown>;
          return sanitizeUpstreamMessage(x['message']) ?? sanitizeUpstreamMessage([x['field'], x['code']].filter((v) => typeof v === 'string').join(' '));
        })
        .filter((m): m is string => m !== undefined)
    : [];
  const all = [message, ...details].filter((m): m is string => m !== undefined);
  return all.length > 0 ? sanitizeUpstreamMessage(all.join(': ')) : undefined;
}

const header = (headers: Record<string, unknown> | undefined, name: string): string | undefined => {
  const v = headers?.[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

/**
 * Milliseconds until GitHub lifts a rate limit answered with `response`, or `undefined` when the
 * answer is not a rate limit. Primary: 403/429 with `x-ratelimit-remaining: 0` (wait until
 * `x-ratelimit-reset`); secondary: 403/429 with `retry-after` or GitHub's "secondary rate limit"
 * message (default 60 s, GitHub's guidance).
 *
 * @example
 * ```ts
 * rateLimitDelayMs(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1795435200' }, body, Date.now());
 * ```
 */
export function rateLimitDelayMs(status: number, headers: Record<string, unknown> | undefined, message: string | undefined, now: number): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  if (header(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    return Number.isFinite(reset) ? Math.max(0, reset * 1000 - now) : 60_000;
  }
  const retryAfter = parseRetryAfter(header(headers, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  if (message !== undefined && /secondary rate limit/i.test(message)) return 60_000;
  if (status === 429) return 60_000;
  return undefined;
}

/**
 * Maps what Octokit threw to the spine's typed upstream errors, keeping GitHub's own message:
 * 401 → `ERR_UPSTREAM_AUTH`; rate limits (primary and secondary, after the throttling plugin
 * gave up) → `ERR_UPSTREAM_RATE_LIMITED` with `retryAfterMs`; 404 → `ERR_UPSTREAM_NOT_FOUND`;
 * 5xx and network failures → `ERR_UPSTREAM_UNAVAILABLE`; other 4xx (403 permission, 409, 422…)
 * → `ERR_UPSTREAM_REJECTED`. Anything else (aborts, programming errors) is returned unchanged.
 *
 * Rate-limit errors are marked not retryable for the resilience policy: the throttling plugin
 * already waited as long as the client is configured to; callers retry after `retryAfterMs`.
 *
 * @example
 * ```ts
 * try { await octokit.request('GET /repos/{owner}/{repo}', { owner, repo }); }
 * catch (err) { throw toUpstreamError(err); }
 * ```
 */
export function toUpstreamError(err: unknown, now: number = Date.now()): unknown {
  if (!(err instanceof RequestError)) return err;
  const response = err.response;
  if (response === undefined) {
    // No answer: network failure (Octokit wraps fetch errors as status 500 without a response).
    return new UpstreamUnavailableError(UPSTREAM, { cause: err, retryable: true });
  }
  const status = err.status;
  const headers = response.headers as Record<string, unknown> | undefined;
  const message = githubMessage(response.data);
  let mapped: UpstreamError;
  if (status === 401) mapped = new UpstreamAuthError(UPSTREAM, { status, cause: err });
  else {
    const delay = rateLimitDelayMs(status, headers, message, now);
    if (delay !== undefined) mapped = new UpstreamRateLimitedError(UPSTREAM, delay, { status, cause: err, retryable: false });
    else if (status === 404) mapped = new UpstreamNotFoundError(UPSTREAM, message, { status, cause: err });
    else if (status >= 500) mapped = new UpstreamUnavailableError(UPSTREAM, { status, cause: err });
    else mapped = new UpstreamRejectedError(UPSTREAM, message, { status, cause: err });
  }
  return mapped;
}
