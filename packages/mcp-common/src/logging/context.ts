import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { activeSpanIds } from '../telemetry/spans.ts';

/** What every log line written while serving one request is tagged with. */
export interface RequestContext {
  /** W3C trace id (32 hex chars): taken from `traceparent` or generated. */
  traceId: string;
  /** This hop's span id (16 hex chars). */
  spanId: string;
  /** The request id: `X-Request-Id` when the caller sent a sane one, otherwise generated. */
  requestId: string;
  /** The authenticated caller, once known. */
  userId?: string;
  /** The OAuth client, once known. */
  clientId?: string;
  /** The JSON-RPC method of an MCP request, once parsed. */
  rpcMethod?: string;
  /** For `tools/call`: the tool's name. */
  toolName?: string;
  /**
   * Set by the tool wrapper when the policy asked for a stronger authentication (RFC 9470):
   * the MCP endpoint then answers `401` with the `insufficient_user_authentication` challenge.
   */
  stepUp?: { acrValues: string[]; maxAgeSeconds?: number };
  /** Upstream reads answered from the cache while the upstream's breaker was open (degraded mode). */
  staleReads?: { upstream: string; ageMs: number }[];
  /**
   * Set by the tool runner for a `write`/`execute` tool: its reads (the state a policy decision binds
   * to, a compare-and-set version) always go to the upstream, never to a fresh read-cache entry.
   */
  upstreamWrite?: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `ctx` as the current request context. */
export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The current request context, if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

// Random bytes for the ids of 128 requests are drawn at once (as `crypto.randomUUID` caches its
// own): one call into the CSPRNG per 128 requests instead of one per request. Ids, not secrets.
const ID_BYTES = 36; // trace (16), span (8), request (12)
const POOLED_IDS = 128;
let pool = Buffer.alloc(0);
let poolOffset = 0;
function randomIdHex(): string {
  if (poolOffset >= pool.length) {
    pool = randomBytes(ID_BYTES * POOLED_IDS);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return hex;
}
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds a request context from incoming headers: the trace id of a valid W3C
 * `traceparent` is kept (an all-zero one is invalid per the spec and replaced),
 * a new span id is made (when OpenTelemetry is recording, the active server span's trace and span ids are used instead), and a caller's `x-request-id` is kept only when it is short and plain.
 *
 * @example
 * ```ts
 * const ctx = contextFromHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
 * ctx.traceId; // '4bf92f3577b34da6a3ce929d0e0e4736'
 * ```
 */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): RequestContext {
  const tp = single(headers['traceparent']);
  const match = tp ? TRACEPARENT.exec(tp.trim().toLowerCase()) : null;
  const random = randomIdHex(); // trace (16 bytes), span (8), request (12)
  const traceId = match && match[1] !== 'ff' && !/^0+$/.test(match[2] ?? '') ? (match[2] as string) : random.slice(0, 32);
  const rid = single(headers['x-request-id']);
  // With tracing on, the HTTP server span (which took the same traceparent) is this hop: log lines carry its ids.
  const active = activeSpanIds();
  return {
    traceId: active?.traceId ?? traceId,
    spanId: active?.spanId ?? random.slice(32, 48),
    requestId: rid && REQUEST_ID.test(rid) ? rid : random.slice(48),
  };
}

/** The `traceparent` header value to send downstream from `ctx`. */
export function traceparentOf(ctx: RequestContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-01`;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
