import { AsyncLocalStorage } from 'node:async_hooks';
import { Client, ProtocolError, SdkError, SdkErrorCode, SdkHttpError, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import type { CallToolResult, FetchLike, Tool } from '@modelcontextprotocol/client';
import { Pool, fetch as undiciFetch, request as undiciRequest, type Dispatcher } from 'undici';
import { parseStepUpChallenge } from '../auth/auth-router.ts';
import { StepUpRequiredError } from '../authz/errors.ts';
import { PlatformError, platformErrorOf } from '../errors/index.ts';
import { currentRequestContext, traceparentOf, type Logger } from '../logging/index.ts';
import { activeSpanIds } from '../telemetry/index.ts';
import { sendJsonRpc, type HopTarget } from './json-rpc-hop.ts';
import { decodeCallToolResult, decodeListToolsPage } from './tool-results.ts';
import { CircuitOpenError, UpstreamAuthError, UpstreamRejectedError, UpstreamUnavailableError, createUpstreamPolicy, isNetworkError, type BreakerState, type UpstreamObserver, type UpstreamPolicy } from '../resilience/index.ts';

/** What one replica needs from the pool's options. */
export interface ReplicaOptions {
  timeoutMs: number;
  breakerFailures: number;
  breakerHalfOpenMs: number;
  healthTimeoutMs: number;
  clientName: string;
  version: string;
  /** undici interceptors every MCP request to the replica passes through (not the `/readyz` probes). */
  interceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
  logger?: Logger;
  observer?: UpstreamObserver;
  /**
   * How `tools/call` and `tools/list` travel: `undici` (default) sends the JSON-RPC request itself on the
   * replica's keep-alive pool ({@link sendJsonRpc}); `sdk-client` goes through a pooled SDK `Client` over
   * WHATWG `fetch` — the reference the differential test (`replica.diff.int.test.ts`) holds the hop to.
   */
  path?: 'undici' | 'sdk-client';
}

/**
 * One endpoint of a backend: its own keep-alive undici `Pool`, its own cockatiel policy (timeout +
 * breaker, no retries), its own `/readyz`. The pool routes between the replicas of a backend.
 */
export interface Replica {
  /** The MCP endpoint URL this replica is reached at. */
  readonly url: string;
  /** The upstream name in logs and metrics: `mcp-<backend>`, or `mcp-<backend>/<n>` when there are several. */
  readonly upstream: string;
  /** Every page of `tools/list` as `token`'s subject, under the replica's policy. */
  listTools(token: string, signal?: AbortSignal): Promise<Tool[]>;
  /** One `tools/call` with `token` as bearer, under the replica's policy. */
  callTool(token: string, name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult>;
  /** One raw JSON-RPC request on 2026-07-28 (see `Backend.request`). */
  request(token: string, method: string, params: Record<string, unknown>, capabilities: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /**
   * `GET <origin>/readyz` within the health timeout: `ready` for a 2xx (the platform's servers say `ready` in the
   * body; a server without that convention counts as ready), `degraded` for a 2xx whose body says
   * `{"status":"degraded"}` (a dependency down: it still answers, but a fully ready replica is preferred), `down` otherwise.
   */
  probe(): Promise<ReplicaReadiness>;
  breakerState(): BreakerState;
  close(): Promise<void>;
}

/** What a replica's `/readyz` said: `ready`, `degraded` (answers, but some dependency is down), or `down` (no 2xx in time). */
export type ReplicaReadiness = 'ready' | 'degraded' | 'down';

/** The SDK `Client`'s page limit of an aggregated `tools/list` walk (`listMaxPages` default). */
const MAX_LIST_PAGES = 64;

/** Creates the client side of one replica (no I/O until the first call). */
export function createReplica(backend: string, upstream: string, url: string, options: ReplicaOptions): Replica {
  const { timeoutMs } = options;
  const bearer = new AsyncLocalStorage<string>();
  const policy: UpstreamPolicy = createUpstreamPolicy({
    name: upstream,
    timeoutMs,
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: options.breakerFailures, halfOpenAfterMs: options.breakerHalfOpenMs },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  // One keep-alive pool per replica origin: the hop, the SDK transport (raw requests) and the probes share its connections.
  const pool = new Pool(new URL(url).origin);
  const dispatcher: Dispatcher = options.interceptors?.length ? pool.compose(...options.interceptors) : pool;
  const target: HopTarget = { url: new URL(url), dispatcher, clientName: options.clientName, version: options.version };
  const poolFetch: FetchLike = (input, init) => undiciFetch(input as string, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
  let connected: Promise<Client> | undefined;
  let rawIds = 0;

  const transportFor = (): StreamableHTTPClientTransport =>
    new StreamableHTTPClientTransport(new URL(url), {
      // One trace across the hop: the MCP server's log lines carry the caller request's trace id and request id.
      fetch: (input, init) => {
        const ctx = currentRequestContext();
        if (!ctx) return poolFetch(input, init);
        const headers = new Headers(init?.headers);
        // With tracing on, the undici instrumentation injects the client span's traceparent itself.
        if (!activeSpanIds()) headers.set('traceparent', traceparentOf(ctx));
        headers.set('x-request-id', ctx.requestId);
        return poolFetch(input, { ...init, headers });
      },
      authProvider: {
        token: async () => {
          const token = bearer.getStore();
          if (token === undefined) throw new TypeError(`${options.clientName}: MCP request outside a caller scope`);
          return token;
        },
        // A 401 with the RFC 9470 step-up challenge is the policy asking the caller for a stronger
        // login: passed on (the proxy answers its caller with the same demand), never retried.
        onUnauthorized: async ({ response }) => {
          const demand = parseStepUpChallenge(response.headers.get('www-authenticate'));
          if (demand !== undefined) throw new StepUpRequiredError(demand, []);
          throw new UnauthorizedError();
        },
      },
    });

  const connect = (): Promise<Client> =>
    (connected ??= (async () => {
      const client = new Client({ name: options.clientName, version: options.version }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(transportFor(), { timeout: timeoutMs });
      return client;
    })().catch((err: unknown) => {
      connected = undefined;
      throw err;
    }));

  const sdkPath = options.path === 'sdk-client';

  /**
   * `fn` under the replica's policy; failures become typed errors. With `viaTransport`, `token` is the bearer
   * of the SDK transport for the call (its auth provider reads it); the hop's own requests carry it themselves.
   */
  const run = <T>(token: string, fn: (signal: AbortSignal) => Promise<T>, callerSignal: AbortSignal | undefined, viaTransport: boolean): Promise<T> => {
    const classified = async (signal: AbortSignal): Promise<T> => {
      try {
        return await fn(signal);
      } catch (err) {
        throw classify(backend, err);
      }
    };
    return policy.execute((signal) => (viaTransport ? bearer.run(token, () => classified(signal)) : classified(signal)), { idempotent: false, ...(callerSignal ? { signal: callerSignal } : {}) });
  };

  /** The hop's `tools/list` walk, with the SDK `Client`'s rules: at most 64 pages, a repeated page ends it. */
  const listToolsDirect = async (token: string, signal: AbortSignal): Promise<Tool[]> => {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    let previous: Tool[] | undefined;
    for (let pages = 0; ; pages += 1) {
      if (pages >= MAX_LIST_PAGES) {
        throw new SdkError(SdkErrorCode.ListPaginationExceeded, `tools/list: exceeded listMaxPages (${String(MAX_LIST_PAGES)}); server pagination did not terminate`, { method: 'tools/list', listMaxPages: MAX_LIST_PAGES });
      }
      const { page, excluded } = decodeListToolsPage(await sendJsonRpc(target, token, 'tools/list', cursor === undefined ? {} : { cursor }, {}, signal));
      for (const e of excluded) options.logger?.warn('backend tool left out: invalid x-mcp-header declaration', { labels: { backend, tool: e.tool }, reason: e.reason });
      if (previous !== undefined && page.nextCursor === cursor && JSON.stringify(page.tools) === JSON.stringify(previous)) break;
      tools.push(...page.tools);
      previous = page.tools;
      cursor = page.nextCursor;
      if (cursor === undefined) break;
    }
    return tools;
  };

  return {
    url,
    upstream,
    listTools: (token, signal) =>
      run(
        token,
        async (s) => {
          if (!sdkPath) return listToolsDirect(token, s);
          // The SDK walks every page itself without a cursor; `bypass` keeps one caller's list out of its cache.
          const res = await (await connect()).listTools(undefined, { signal: s, timeout: timeoutMs, cacheMode: 'bypass' });
          return res.tools;
        },
        signal,
        sdkPath,
      ),
    callTool: (token, name, args, signal) =>
      run(
        token,
        async (s) => {
          if (!sdkPath) return decodeCallToolResult(await sendJsonRpc(target, token, 'tools/call', { name, arguments: args }, {}, s));
          return (await (await connect()).callTool({ name, arguments: args }, { signal: s, timeout: timeoutMs })) as CallToolResult;
        },
        signal,
        sdkPath,
      ),
    request: (token, method, params, capabilities, signal) =>
      run(
        token,
        async (s) => {
          const transport = transportFor();
          const id = `raw-${String((rawIds += 1))}`;
          try {
            return await new Promise<Record<string, unknown>>((resolve, reject) => {
              const onAbort = () => reject(s.reason instanceof Error ? s.reason : new Error('aborted'));
              if (s.aborted) return onAbort();
              s.addEventListener('abort', onAbort, { once: true });
              transport.onerror = reject;
              transport.onmessage = (message) => {
                if (!('id' in message) || message.id !== id) return;
                if ('error' in message) reject(new ProtocolError(message.error.code, message.error.message, message.error.data));
                else if ('result' in message) resolve(message.result as Record<string, unknown>);
              };
              const envelope = {
                'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                'io.modelcontextprotocol/clientInfo': { name: options.clientName, version: options.version },
                'io.modelcontextprotocol/clientCapabilities': capabilities,
              };
              const meta = (params['_meta'] ?? {}) as Record<string, unknown>;
              transport
                .start()
                .then(() => transport.send({ jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...meta, ...envelope } } }))
                .catch(reject);
            });
          } finally {
            await transport.close().catch(() => undefined);
          }
        },
        signal,
        true,
      ),
    async probe() {
      try {
        // On the replica's own pool, not through the interceptors: a probe is not an MCP request.
        const res = await undiciRequest(new URL('/readyz', url), { dispatcher: pool, signal: AbortSignal.timeout(options.healthTimeoutMs) });
        if (res.statusCode < 200 || res.statusCode >= 300) {
          await res.body.dump();
          return 'down';
        }
        const body = (await res.body.json().catch(() => undefined)) as { status?: unknown } | undefined;
        return body?.status === 'degraded' ? 'degraded' : 'ready';
      } catch {
        return 'down';
      }
    },
    breakerState: () => policy.breakerState(),
    async close() {
      policy.dispose();
      const c = await connected?.catch(() => undefined);
      await c?.close();
      await pool.close().catch(() => undefined);
    },
  };
}

/** Connection-level codes that mean the request never reached the replica (nothing can have run there). */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * True when a failed call provably did not reach a replica's tool code: its breaker was open, the
 * connection could not be made, or the replica shed it with `503` before dispatch (load shedding and
 * draining answer 503 before the MCP server sees the request). A reset or a timeout after the request
 * went out is not such a failure: the tool may have run.
 *
 * @example
 * ```ts
 * if (notExecuted(err)) return callOnAnotherReplica();
 * ```
 */
export function notExecuted(err: unknown): boolean {
  if (err instanceof CircuitOpenError) return true;
  if (err instanceof UpstreamUnavailableError && err.status === 503) return true;
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The per-caller refusals of the spine's limits (`limits/middleware.ts`), answered with HTTP 429. */
const CALLER_LIMIT_CODES = new Set(['ERR_RATE_LIMITED', 'ERR_CONCURRENCY_LIMITED']);

/**
 * A backend's 429 is about the caller, not the replica: the spine's limits are per principal (rate and
 * concurrency; an overloaded replica answers 503 `ERR_OVERLOADED`, which fails over). So it is the
 * caller's own refusal, passed on with the backend's code and wait — a `PlatformError`, never an
 * upstream failure: it neither counts towards the replica's breaker nor takes the replica out of
 * routing, and is not repeated on another replica (that would step around the limit).
 */
function callerLimited(name: string, text: unknown, cause: unknown): PlatformError {
  let data: { code?: unknown; retryAfterSeconds?: unknown } | undefined;
  try {
    data = (JSON.parse(typeof text === 'string' ? text : '') as { error?: { data?: typeof data } }).error?.data;
  } catch {
    data = undefined;
  }
  const code = typeof data?.code === 'string' && CALLER_LIMIT_CODES.has(data.code) ? (data.code as 'ERR_RATE_LIMITED' | 'ERR_CONCURRENCY_LIMITED') : 'ERR_RATE_LIMITED';
  const wait = typeof data?.retryAfterSeconds === 'number' && Number.isFinite(data.retryAfterSeconds) && data.retryAfterSeconds >= 0 ? Math.ceil(data.retryAfterSeconds) : undefined;
  const what = code === 'ERR_CONCURRENCY_LIMITED' ? 'too many of your requests are in flight at' : 'you exceeded your rate limit at';
  return new PlatformError(code, `${what} MCP server mcp-${name}; retry ${wait === undefined ? 'later' : `after ${String(wait)} s`}.`, { cause });
}

/**
 * Maps what the SDK throws to the platform's typed errors: a refused delegated token is
 * `UpstreamAuthError` (status 401), a 403 at the HTTP layer `UpstreamRejectedError` (status 403), a 429
 * the caller's own limit (`ERR_RATE_LIMITED`/`ERR_CONCURRENCY_LIMITED`, see {@link callerLimited}),
 * anything transport-level `UpstreamUnavailableError` (counted by the breaker).
 */
function classify(name: string, err: unknown): unknown {
  if (err instanceof PlatformError || err instanceof ProtocolError) return err;
  // The backend's RFC 9470 challenge thrown by `onUnauthorized`, possibly wrapped by the SDK.
  const typed = platformErrorOf(err);
  if (typed instanceof StepUpRequiredError) return typed;
  if (err instanceof UnauthorizedError || (err instanceof SdkHttpError && (err.data as { status?: number } | undefined)?.status === 401)) {
    return new UpstreamAuthError(`mcp-${name}`, { cause: err, status: 401 });
  }
  if (err instanceof SdkHttpError) {
    const status = (err.data as { status?: number } | undefined)?.status ?? 0;
    if (status === 429) return callerLimited(name, (err.data as { text?: unknown } | undefined)?.text, err);
    if (status === 403) return new UpstreamRejectedError(`mcp-${name}`, 'the MCP server refused the request', { cause: err, status: 403 });
    return new UpstreamUnavailableError(`mcp-${name}`, { cause: err, ...(status ? { status } : {}) });
  }
  if (isNetworkError(err) || err instanceof SdkError || (err instanceof TypeError && /fetch failed/i.test(err.message))) {
    return new UpstreamUnavailableError(`mcp-${name}`, { cause: err });
  }
  return err;
}
