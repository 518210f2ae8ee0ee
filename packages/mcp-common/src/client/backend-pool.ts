import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import type { Dispatcher } from 'undici';
import type { Logger } from '../logging/index.ts';
import { CircuitOpenError, UpstreamTimeoutError, UpstreamUnavailableError, type BreakerState, type UpstreamObserver } from '../resilience/index.ts';
import { createReplica, notExecuted, type Replica, type ReplicaReadiness } from './replica.ts';

/** Options of {@link createBackendPool}. */
export interface BackendPoolOptions {
  /**
   * `{ "<name>": "<MCP endpoint URL>" }` — the URL is also the backend's resource identifier (token `aud`) —
   * or `{ "<name>": { resource, urls } }` for several replicas of one server that all accept tokens for `resource`.
   */
  backends: Readonly<Record<string, string | BackendTarget>>;
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
  /**
   * undici interceptors every MCP request to a backend passes through (tests record what reaches the
   * backends; `/readyz` probes do not pass through them). Default none.
   */
  interceptors?: readonly BackendInterceptor[];
  logger?: Logger;
  /** Receives each backend call's duration and breaker state (the proxy's `mcp_upstream_*` metrics). */
  observer?: UpstreamObserver;
}

/**
 * An undici interceptor on the requests to the backends (`(dispatch) => (opts, handler) => …`).
 *
 * @example
 * ```ts
 * const log: BackendInterceptor = (dispatch) => (opts, handler) => (seen.push(opts.path), dispatch(opts, handler));
 * ```
 */
export type BackendInterceptor = Dispatcher.DispatcherComposeInterceptor;

/** Several replicas of one MCP server behind one backend name. */
export interface BackendTarget {
  /** The server's resource identifier: the audience of the exchanged token, the same for every replica. */
  resource: string;
  /** The replicas' MCP endpoint URLs (at least one). */
  urls: readonly string[];
}

/** Health of one replica. */
export interface ReplicaHealth {
  url: string;
  status: 'up' | 'down';
  /** What its `/readyz` said: `degraded` replicas (a dependency down) get calls only while no replica is `ready`. */
  readiness: ReplicaReadiness;
  breaker: BreakerState;
}

/** Health of one backend: up when one of its replicas' `/readyz` answers; the breaker of the best replica. */
export interface BackendHealth {
  name: string;
  url: string;
  status: 'up' | 'down';
  breaker: BreakerState;
  /** Every replica's own answer and breaker (one entry for a single-URL backend). */
  replicas: ReplicaHealth[];
}

/** Per-call options of {@link Backend.callTool} and {@link Backend.request}. */
export interface BackendCallOptions {
  /**
   * Whether this call may be sent again to another replica after it reached one that failed without
   * answering (reset, timeout). Asked only then; default: never. A call that provably did not reach a
   * replica (refused connection, open breaker, 503 before dispatch) goes to the next replica regardless.
   */
  repeatable?: () => boolean | Promise<boolean>;
}

/** One MCP server the pool calls as a delegate of its callers. */
export interface Backend {
  readonly name: string;
  /** The server's resource identifier = audience of the exchanged token (a single-URL backend: its MCP endpoint URL). */
  readonly url: string;
  /** The replicas' MCP endpoint URLs. */
  readonly replicaUrls: readonly string[];
  /** The tools `token`'s subject may call, every page (no SDK-side caching: the list depends on the caller). */
  listTools(token: string, signal?: AbortSignal): Promise<Tool[]>;
  /** Calls `tool` with `token` as the bearer for this one request. */
  callTool(token: string, tool: string, args: Record<string, unknown>, signal?: AbortSignal, options?: BackendCallOptions): Promise<CallToolResult>;
  /**
   * One JSON-RPC request on 2026-07-28 answered as raw JSON (not decoded by the SDK client), for what the
   * SDK client cannot decode yet — a `tools/call` answered with a task (`resultType: "task"`, SEP-2663) and
   * `tasks/get|update|cancel`. `capabilities` are the per-request client capabilities sent in the `_meta`
   * envelope (e.g. the Tasks extension the original caller declared). A JSON-RPC error is a `ProtocolError`.
   */
  request(token: string, method: string, params: Record<string, unknown>, capabilities: Record<string, unknown>, signal?: AbortSignal, options?: BackendCallOptions): Promise<Record<string, unknown>>;
  /** `GET <origin>/readyz` of every replica (also refreshes which replicas calls are routed to). */
  health(): Promise<BackendHealth>;
  /** False when every replica is known to be down (its last probe or call failed): the backend as a whole is out. */
  available(): boolean;
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
 * One keep-alive undici `Pool` per replica, shared by all callers. `tools/call` and
 * `tools/list` (every page) go straight over it as one JSON-RPC POST each on
 * 2026-07-28 (stateless servers; the same headers and `_meta` envelope the SDK
 * `Client` sends), and the answer — JSON or an SSE stream — is checked with the
 * SDK's own result rules and schemas, so a malformed answer is an error
 * (`replica.diff.int.test.ts` holds this path to the SDK `Client`'s answers and
 * errors). Other raw requests (`Backend.request`) use the SDK transport over the
 * same pool. The bearer of each request is the caller's exchanged token, passed
 * for that one call — no token is stored, and tool lists are never cached here.
 * Every call runs inside its replica's cockatiel policy (timeout + breaker, no
 * retries: tool calls may not be idempotent).
 *
 * A backend may have several replicas (`{ resource, urls }`): each has its own client, breaker
 * and `/readyz`; calls go round-robin to the replicas whose last probe or call succeeded, preferring
 * those whose last probe said `ready` over `degraded` ones (a dependency of theirs is down: they still
 * answer, but maybe only from caches or with that dependency's error) — degraded replicas get calls
 * when no replica is fully ready, and stay the next ones to try when a ready one fails. A call
 * that fails on one replica goes to the next when it provably never ran there (connection refused,
 * breaker open, 503 before dispatch) or when it is repeatable (`tools/list` always; a tool call only
 * when the caller says so — the gateway asks the tool's `readOnlyHint`/`idempotentHint`). Everything
 * else is answered with the failure: a write is never sent twice on a guess (docs/reliability.md).
 *
 * @example
 * ```ts
 * const pool = createBackendPool({ backends: { network: 'http://127.0.0.1:8101/mcp' }, clientName: 'mcp-gateway', version: '0.1.0' });
 * const tools = await pool.get('network')!.listTools(exchangedToken);
 * ```
 */
export function createBackendPool(options: BackendPoolOptions): BackendPool {
  const backends = new Map<string, Backend & { close(): Promise<void> }>();
  for (const [name, target] of Object.entries(options.backends)) backends.set(name, createBackend(name, typeof target === 'string' ? { resource: target, urls: [target] } : target, options));
  return {
    get: (name) => (Object.hasOwn(options.backends, name) ? backends.get(name) : undefined),
    list: () => [...backends.values()],
    close: async () => {
      await Promise.allSettled([...backends.values()].map((b) => b.close()));
    },
  };
}

/** The resource identifier (token audience) of each backend, by name. */
export function backendResources(backends: Readonly<Record<string, string | BackendTarget>>): Record<string, string> {
  return Object.fromEntries(Object.entries(backends).map(([name, t]) => [name, typeof t === 'string' ? t : t.resource]));
}

const BREAKER_RANK: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const ONLY_REPLICA: readonly number[] = Object.freeze([0]);

function createBackend(name: string, target: BackendTarget, options: BackendPoolOptions): Backend & { close(): Promise<void> } {
  if (target.urls.length === 0) throw new TypeError(`createBackendPool: backend "${name}" has no URL`);
  const several = target.urls.length > 1;
  const replicas: Replica[] = target.urls.map((url, i) =>
    createReplica(name, several ? `mcp-${name}/${String(i + 1)}` : `mcp-${name}`, url, {
      timeoutMs: options.timeoutMs ?? 30_000,
      breakerFailures: options.breakerFailures ?? 5,
      breakerHalfOpenMs: options.breakerHalfOpenMs ?? 30_000,
      healthTimeoutMs: options.healthTimeoutMs ?? 2_000,
      clientName: options.clientName,
      version: options.version,
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
    }),
  );
  // Routable until a probe or a call says otherwise; `degraded` while the last probe said so.
  const up = replicas.map(() => true);
  const degraded = replicas.map(() => false);
  let next = 0;

  /**
   * The replicas to try, in order: the routable ones round-robin — breaker not open and ready first, then
   * breaker not open and degraded, then breaker open — else all of them.
   */
  const order = (): readonly number[] => {
    // One replica: it is tried whatever its state (the rules below give the same answer).
    if (!several) return ONLY_REPLICA;
    const start = next;
    next = (next + 1) % replicas.length;
    const rotated = replicas.map((_, i) => (start + i) % replicas.length);
    const routable = rotated.filter((i) => up[i]);
    if (routable.length === 0) return rotated;
    const rank = (i: number): number => (replicas[i]?.breakerState() === 'open' ? 2 : degraded[i] ? 1 : 0);
    // A stable sort keeps the rotation within each rank.
    return routable.sort((a, b) => rank(a) - rank(b));
  };

  /** `op` on one replica after the other until one answers, or the failure may not be repeated elsewhere. */
  const route = async <T>(op: (r: Replica) => Promise<T>, repeatable: () => boolean | Promise<boolean>, signal?: AbortSignal): Promise<T> => {
    let last: unknown;
    for (const i of order()) {
      const replica = replicas[i] as Replica;
      try {
        return await op(replica);
      } catch (err) {
        const replicaFailed = err instanceof UpstreamUnavailableError || err instanceof UpstreamTimeoutError || err instanceof CircuitOpenError;
        if (!replicaFailed) throw err;
        up[i] = false;
        last = err;
        if (signal?.aborted) throw err;
        if (!notExecuted(err) && !(await repeatable())) throw err;
        if (several) options.logger?.warn('backend replica failed; trying the next one', { labels: { backend: name, replica: replica.upstream }, error: err });
      }
    }
    throw last;
  };
  const never = (): boolean => false;

  return {
    name,
    url: target.resource,
    replicaUrls: target.urls,
    listTools: (token, signal) => route((r) => r.listTools(token, signal), () => true, signal),
    callTool: (token, tool, args, signal, callOptions) => route((r) => r.callTool(token, tool, args, signal), callOptions?.repeatable ?? never, signal),
    request: (token, method, params, capabilities, signal, callOptions) => route((r) => r.request(token, method, params, capabilities, signal), callOptions?.repeatable ?? never, signal),
    async health() {
      const probed = await Promise.all(replicas.map((r) => r.probe()));
      probed.forEach((readiness, i) => {
        up[i] = readiness !== 'down';
        degraded[i] = readiness === 'degraded';
      });
      const each: ReplicaHealth[] = replicas.map((r, i) => ({ url: r.url, status: probed[i] === 'down' ? 'down' : 'up', readiness: probed[i] ?? 'down', breaker: r.breakerState() }));
      const best = [...each].sort((a, b) => Number(b.status === 'up') - Number(a.status === 'up') || BREAKER_RANK[a.breaker] - BREAKER_RANK[b.breaker])[0] as ReplicaHealth;
      return { name, url: target.resource, status: best.status, breaker: best.breaker, replicas: each };
    },
    available: () => up.some(Boolean),
    breakerState: () => replicas.map((r) => r.breakerState()).sort((a, b) => BREAKER_RANK[a] - BREAKER_RANK[b])[0] as BreakerState,
    async close() {
      await Promise.allSettled(replicas.map((r) => r.close()));
    },
  };
}
