import { Agent, type Dispatcher } from 'undici';
import { dispatchRequest, type BodySink, type ResponseHeaders } from './dispatch.ts';
import type {
  UpstreamError} from './errors.ts';
import {
  UpstreamAuthError,
  UpstreamNotFoundError,
  UpstreamRateLimitedError,
  UpstreamRejectedError,
  UpstreamResponseInvalidError,
  UpstreamUnavailableError,
  isNetworkError,
} from './errors.ts';

/** HTTP methods {@link requestJson} sends. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Query values; arrays repeat the parameter (`?role=ACCESS&role=CORE`), `undefined` is skipped. */
export type QueryValue = string | number | boolean | undefined | ReadonlyArray<string | number | boolean>;

/**
 * One request made by {@link requestJson}.
 *
 * @example
 * ```ts
 * const req: UpstreamRequest = { upstream: 'github', url: 'https://api.github.com/repos/o/r', headers: { authorization: `Bearer ${token}` }, authStatuses: [401] };
 * ```
 */
export interface UpstreamRequest {
  /** Upstream name used in errors, e.g. `servicenow`. */
  upstream: string;
  /** Absolute URL (query string allowed; `query` is appended). */
  url: string | URL;
  /** Default `GET`. */
  method?: HttpMethod;
  query?: Readonly<Record<string, QueryValue>>;
  /** Extra headers. `accept: application/json` is always sent. */
  headers?: Readonly<Record<string, string>>;
  /** Serialized as JSON (sets `content-type`). */
  body?: unknown;
  /** Aborts the request (pass the policy's attempt signal). */
  signal?: AbortSignal;
  /** Connection pool; default {@link defaultUpstreamAgent}. */
  dispatcher?: Dispatcher;
  /** Statuses meaning "credentials rejected" → `ERR_UPSTREAM_AUTH`. Default `[401, 403]`. */
  authStatuses?: readonly number[];
  /**
   * Extracts the upstream's own explanation from an error body, used in `ERR_UPSTREAM_REJECTED`
   * / `ERR_UPSTREAM_NOT_FOUND` messages. Return `undefined` when nothing safe is there.
   * Default {@link defaultErrorMessage}.
   */
  errorMessage?: (body: unknown) => string | undefined;
  /** `json` (default) parses the body; `text` returns it as a string (e.g. a downloaded configuration file). */
  responseType?: 'json' | 'text';
  /**
   * Largest body read, in bytes (default 16777216 = 16 MiB). A larger 2xx body is abandoned
   * unread past the limit and fails with `ERR_UPSTREAM_INVALID_RESPONSE` — an upstream cannot exhaust memory.
   */
  maxBodyBytes?: number;
}

/** Default {@link UpstreamRequest.maxBodyBytes}: 16 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Thrown inside {@link bodySink} when a body exceeds its limit. */
class BodyTooLargeError extends Error {}

/** What {@link bodySink} gives: the body as UTF-8, or the failure that cut it short. */
type BodyRead = { status: number; headers: ResponseHeaders; text: string } | { status: number; headers: ResponseHeaders; failed: unknown };

/** Reads a response body as UTF-8, refusing more than `maxBytes` (the request is aborted, the rest left unread). */
function bodySink(status: number, headers: ResponseHeaders, maxBytes: number): BodySink<BodyRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    data(chunk) {
      size += chunk.length;
      if (size > maxBytes) throw new BodyTooLargeError(`body larger than ${maxBytes} bytes`);
      chunks.push(chunk);
      return false;
    },
    end: () => ({ status, headers, text: chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8') }),
    failed: (err) => ({ status, headers, failed: err }),
  };
}

/**
 * A successful (2xx) response.
 *
 * @example
 * ```ts
 * const { body, headers } = await requestJson<Issue[]>(req); const next = headers['link'];
 * ```
 */
export interface UpstreamResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or `undefined` for an empty body. */
  body: T;
}

/**
 * A keep-alive connection pool for upstream calls.
 *
 * @example
 * ```ts
 * const agent = createUpstreamAgent({ connections: 16 });
 * await requestJson({ upstream: 'github', url, dispatcher: agent });
 * await agent.close();
 * ```
 */
export function createUpstreamAgent(options: { connections?: number; keepAliveTimeoutMs?: number; connectTimeoutMs?: number } = {}): Agent {
  return new Agent({
    connections: options.connections ?? 32,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
  });
}

let sharedAgent: Agent | undefined;

/**
 * The process-wide keep-alive pool {@link requestJson} uses when no `dispatcher` is given.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', () => void defaultUpstreamAgent().close());
 * ```
 */
export function defaultUpstreamAgent(): Agent {
  sharedAgent ??= createUpstreamAgent();
  return sharedAgent;
}

const MAX_MESSAGE_LENGTH = 300;

/**
 * Reduces an upstream-provided string to something safe to put in an error message: one line,
 * printable characters, at most 300 characters.
 *
 * @example
 * ```ts
 * sanitizeUpstreamMessage('bad\nthing') // 'bad thing'
 * ```
 */
export function sanitizeUpstreamMessage(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (cleaned.length === 0) return undefined;
  return cleaned.length > MAX_MESSAGE_LENGTH ? `${cleaned.slice(0, MAX_MESSAGE_LENGTH)}…` : cleaned;
}

/**
 * Default extraction of an upstream's error explanation: looks at `message`, `error.message`,
 * `error` (string), `response.message` / `response.detail` (Catalyst Center), `error.detail`
 * (ServiceNow).
 *
 * @example
 * ```ts
 * defaultErrorMessage({ response: { errorCode: 'X', message: 'Template not found' } }) // 'Template not found'
 * ```
 */
export function defaultErrorMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return sanitizeUpstreamMessage(body);
  const b = body as Record<string, unknown>;
  const nested = (v: unknown, key: string): unknown => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined);
  return (
    sanitizeUpstreamMessage(nested(b['response'], 'message')) ??
    sanitizeUpstreamMessage(nested(b['response'], 'detail')) ??
    sanitizeUpstreamMessage(nested(b['error'], 'message')) ??
    sanitizeUpstreamMessage(nested(b['error'], 'detail')) ??
    sanitizeUpstreamMessage(b['message']) ??
    sanitizeUpstreamMessage(b['error'])
  );
}

/**
 * Parses a `Retry-After` header (delta-seconds or HTTP date) into milliseconds.
 *
 * @example
 * ```ts
 * parseRetryAfter('2') // 2000
 * ```
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw.trim()) * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Maps a non-2xx HTTP answer to the typed upstream error: 401/403 → `ERR_UPSTREAM_AUTH`,
 * 404 → `ERR_UPSTREAM_NOT_FOUND`, 429 → `ERR_UPSTREAM_RATE_LIMITED` (with `retryAfterMs`),
 * 5xx → `ERR_UPSTREAM_UNAVAILABLE`, other 4xx → `ERR_UPSTREAM_REJECTED`.
 *
 * @example
 * ```ts
 * if (res.status >= 400) throw httpStatusError({ upstream: 'github', status: res.status, body, headers: res.headers });
 * ```
 */
export function httpStatusError(input: {
  upstream: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  authStatuses?: readonly number[];
  errorMessage?: (body: unknown) => string | undefined;
}): UpstreamError {
  const { upstream, status } = input;
  const extract = input.errorMessage ?? defaultErrorMessage;
  if ((input.authStatuses ?? [401, 403]).includes(status)) return new UpstreamAuthError(upstream, { status });
  if (status === 404) return new UpstreamNotFoundError(upstream, extract(input.body), { status });
  if (status === 429) return new UpstreamRateLimitedError(upstream, parseRetryAfter(input.headers?.['retry-after']), { status });
  if (status >= 500) return new UpstreamUnavailableError(upstream, { status });
  return new UpstreamRejectedError(upstream, extract(input.body), { status });
}

function buildUrl(url: string | URL, query: UpstreamRequest['query']): URL {
  const u = new URL(url);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as ReadonlyArray<string | number | boolean>) u.searchParams.append(key, String(v));
    else u.searchParams.append(key, String(value));
  }
  return u;
}

/**
 * Sends one JSON request over a keep-alive pool and returns the parsed 2xx body; any other
 * status becomes a typed {@link UpstreamError} (see {@link httpStatusError}), a network failure
 * becomes `ERR_UPSTREAM_UNAVAILABLE`. Generic: used by every connector, inside
 * `UpstreamPolicy.execute`.
 *
 * @example
 * ```ts
 * const { body } = await policy.execute(
 *   (signal) => requestJson<{ result: Incident[] }>({ upstream: 'servicenow', url: `${base}/api/now/table/incident`, query: { sysparm_limit: 10 }, headers: { authorization }, signal }),
 *   { idempotent: true },
 * );
 * ```
 */
export async function requestJson<T = unknown>(req: UpstreamRequest): Promise<UpstreamResponse<T>> {
  const url = buildUrl(req.url, req.query);
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  const maxBytes = req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let res: BodyRead;
  try {
    res = await dispatchRequest(req.dispatcher ?? defaultUpstreamAgent(), { method: req.method ?? 'GET', url, headers, body: payload }, req.signal, (status, _header, all) => bodySink(status, all, maxBytes));
  } catch (err) {
    if (req.signal?.aborted) throw err;
    if (err instanceof BodyTooLargeError) {
      throw new UpstreamResponseInvalidError(req.upstream, `${req.method ?? 'GET'} ${url.pathname} (response larger than ${maxBytes} bytes)`, { cause: err });
    }
    if (isNetworkError(err)) throw new UpstreamUnavailableError(req.upstream, { cause: err });
    throw err;
  }
  if ('failed' in res) {
    // The connection broke while the body was read.
    throw new UpstreamUnavailableError(req.upstream, { cause: res.failed, status: res.status >= 500 ? res.status : undefined });
  }
  const { text } = res;
  let body: unknown = undefined;
  if (req.responseType === 'text' && res.status >= 200 && res.status < 300) {
    body = text;
  } else if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = res.status >= 400 ? undefined : Symbol.for('invalid-json');
    }
  }
  const responseHeaders = res.headers;
  if (res.status < 200 || res.status >= 300) {
    throw httpStatusError({
      upstream: req.upstream,
      status: res.status,
      body,
      headers: responseHeaders,
      authStatuses: req.authStatuses,
      errorMessage: req.errorMessage,
    });
  }
  if (body === Symbol.for('invalid-json')) {
    throw new UpstreamResponseInvalidError(req.upstream, `${req.method ?? 'GET'} ${url.pathname}`, { status: res.status });
  }
  return { status: res.status, headers: responseHeaders, body: body as T };
}
