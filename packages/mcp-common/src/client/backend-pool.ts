import { AsyncLocalStorage } from 'node:async_hooks';
import { Client, ProtocolError, SdkError, SdkHttpError, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import type { CallToolResult, FetchLike, Tool } from '@modelcontextprotocol/client';
import { parseStepUpChallenge } from '../auth/auth-router.ts';
import { StepUpRequiredError } from '../authz/errors.ts';
import { PlatformError, platformErrorOf } from '../errors/index.ts';
import { currentRequestContext, traceparentOf, type Logger } from '../logging/index.ts';
import { activeSpanIds } from '../telemetry/index.ts';
import { UpstreamAuthError, UpstreamRejectedError, UpstreamUnavailableError, createUpstreamPolicy, isNetworkError, type BreakerState, type UpstreamObserver, type UpstreamPolicy } from '../resilience/index.ts';

/** Options of {@link createBackendPool}. */
export interface BackendPoolOptions {
  /** `{ "<name>": "<MCP endpoint URL>" }`. The URL is also the backend's resource identifier (token `aud`). */
  backends: Readonly<Record<string, string>>;
  /** Timeout of one call, in ms. Default 30000. */
  timeoutMs?: number;
  /** Consecutive transport failures that open a backend's breaker. Default 5. */
  breakerFailures?: number;
  /** Time a breaker stays open before one trial call, in ms. Default 30000. */
  breakerHalfOpenMs?: number;
  /** Timeout of a `/readyz` probe, in ms. Default 2000. */
  healthTimeoutMs?: number;
  /** Name reported to the MCP servers as `clientInfo` (e.g. `rest-proxy`, `mcp-gateway`). */
  clientName: string;
  /** Version reported to the MCP servers as `clientInfo`. */
  version: string;
  /** The `fetch` the MCP transport uses (tests record what reaches the backends). Default the global `fetch`. */
  fetch?: FetchLike;
  logger?: Logger;
  /** Receives each backend call's duration and breaker state (the proxy's `mcp_upstream_*` metrics). */
  observer?: UpstreamObserver;
}

/** Health of one backend: its `/readyz` answer and its breaker. */
export interface BackendHealth {
  name: string;
  url: string;
  status: 'up' | 'down';
  breaker: BreakerState;
}

/** One MCP server the pool calls as a delegate of its callers. */
export interface Backend {
  readonly name: string;
  /** MCP endpoint URL = resource identifier of the exchanged token. */
  readonly url: string;
  /** The tools `token`'s subject may call, every page (no SDK-side caching: the list depends on the caller). */
  listTools(token: string, signal?: AbortSignal): Promise<Tool[]>;
  /** Calls `tool` with `token` as the bearer for this one request. */
  callTool(token: string, tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult>;
  /**
   * One JSON-RPC request on 2026-07-28 answered as raw JSON (not decoded by the SDK client), for what the
   * SDK client cannot decode yet — a `tools/call` answered with a task (`resultType: "task"`, SEP-2663) and
   * `tasks/get|update|cancel`. `capabilities` are the per-request client capabilities sent in the `_meta`
   * envelope (e.g. the Tasks extension the original caller declared). A JSON-RPC error is a `ProtocolError`.
   */
  request(token: string, method: string, params: Record<string, unknown>, capabilities: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** `GET <origin>/readyz` of the MCP server. */
  health(): Promise<BackendHealth>;
  breakerState(): BreakerState;
}

/** All configured backends. */
export interface BackendPool {
  get(name: string): Backend | undefined;
  list(): Backend[];
  close(): Promise<void>;
}

/**
 * The MCP client side of the platform — used by the REST proxy and the MCP gateway.
 * One pooled, reused SDK `Client` per backend (Streamable HTTP, pinned to
 * 2026-07-28, stateless servers), shared by all callers. The bearer of each
 * request is the caller's exchanged token, read by the transport's
 * `authProvider` from an `AsyncLocalStorage` scope opened around that one
 * call — no token is stored on the client, and a request outside a scope
 * fails closed. `connect()` (`server/discover`) runs once per backend, with
 * the first caller's token; tool lists are fetched with `cacheMode: 'bypass'`
 * so the SDK response cache never serves one caller's list to another.
 * Every call runs inside the backend's cockatiel policy (timeout + breaker, no
 * retries: tool calls may not be idempotent).
 *
 * @example
 * ```ts
 * const pool = createBackendPool({ backends: { network: 'http://127.0.0.1:8101/mcp' }, clientName: 'mcp-gateway', version: '0.1.0' });
 * const tools = await pool.get('network')!.listTools(exchangedToken);
 * ```
 */
export function createBackendPool(options: BackendPoolOptions): BackendPool {
  const backends = new Map<string, Backend & { close(): Promise<void> }>();
  for (const [name, url] of Object.entries(options.backends)) backends.set(name, createBackend(name, url, options));
  return {
    get: (name) => (Object.hasOwn(options.backends, name) ? backends.get(name) : undefined),
    list: () => [...backends.values()],
    close: async () => {
      await Promise.allSettled([...backends.values()].map((b) => b.close()));
    },
  };
}

function createBackend(name: string, url: string, options: BackendPoolOptions): Backend & { close(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const bearer = new AsyncLocalStorage<string>();
  const policy: UpstreamPolicy = createUpstreamPolicy({
    name: `mcp-${name}`,
    timeoutMs,
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: options.breakerFailures ?? 5, halfOpenAfterMs: options.breakerHalfOpenMs ?? 30_000 },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  let connected: Promise<Client> | undefined;
  let rawIds = 0;

  const baseFetch: FetchLike = options.fetch ?? fetch;
  const transportFor = (): StreamableHTTPClientTransport =>
    new StreamableHTTPClientTransport(new URL(url), {
        // One trace across the hop: the MCP server's log lines carry the caller request's trace id and request id.
        fetch: (input, init) => {
          const ctx = currentRequestContext();
          if (!ctx) return baseFetch(input, init);
          const headers = new Headers(init?.headers);
          // With tracing on, the undici instrumentation injects the client span's traceparent itself.
          if (!activeSpanIds()) headers.set('traceparent', traceparentOf(ctx));
          headers.set('x-request-id', ctx.requestId);
          return baseFetch(input, { ...init, headers });
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

  /** Runs `fn` on the pooled client with `token` as bearer, under the backend's policy; SDK failures become typed errors. */
  const run = <T>(token: string, fn: (client: Client, signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> =>
    policy
      .execute(
        (signal) =>
          bearer.run(token, async () => {
            try {
              return await fn(await connect(), signal);
            } catch (err) {
              throw classify(name, err);
            }
          }),
        { idempotent: false, ...(callerSignal ? { signal: callerSignal } : {}) },
      );

  return {
    name,
    url,
    listTools: (token, signal) =>
      run(
        token,
        async (client, s) => {
          const tools: Tool[] = [];
          let cursor: string | undefined;
          // Bounded paging: a backend that keeps returning cursors cannot hold the caller forever.
          for (let page = 0; page < 50; page += 1) {
            const res = await client.listTools(cursor === undefined ? undefined : { cursor }, { signal: s, timeout: timeoutMs, cacheMode: 'bypass' });
            tools.push(...res.tools);
            cursor = res.nextCursor;
            if (cursor === undefined) break;
          }
          return tools;
        },
        signal,
      ),
    callTool: (token, tool, args, signal) =>
      run(token, (client, s) => client.callTool({ name: tool, arguments: args }, { signal: s, timeout: timeoutMs }) as Promise<CallToolResult>, signal),
    request: (token, method, params, capabilities, signal) =>
      run(
        token,
        async (_client, s) => {
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
      ),
    async health() {
      let up = false;
      try {
        const res = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(options.healthTimeoutMs ?? 2_000) });
        up = res.ok;
        await res.body?.cancel();
      } catch {
        up = false;
      }
      return { name, url, status: up ? 'up' : 'down', breaker: policy.breakerState() };
    },
    breakerState: () => policy.breakerState(),
    async close() {
      policy.dispose();
      const c = await connected?.catch(() => undefined);
      await c?.close();
    },
  };
}

/**
 * Maps what the SDK throws to the platform's typed errors: a refused delegated token is
 * `UpstreamAuthError` (status 401), a 403 at the HTTP layer `UpstreamRejectedError` (status 403),
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
    if (status === 403) return new UpstreamRejectedError(`mcp-${name}`, 'the MCP server refused the request', { cause: err, status: 403 });
    return new UpstreamUnavailableError(`mcp-${name}`, { cause: err, ...(status ? { status } : {}) });
  }
  if (isNetworkError(err) || err instanceof SdkError || (err instanceof TypeError && /fetch failed/i.test(err.message))) {
    return new UpstreamUnavailableError(`mcp-${name}`, { cause: err });
  }
  return err;
}
