import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import type { Logger } from '../logging/types.ts';
import { ATTR, errorType, inSpan } from '../telemetry/spans.ts';
import { noteStaleRead, type UpstreamReadCache } from './read-cache.ts';
import {
  CircuitOpenError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  isNetworkError,
  isTransientUpstreamError,
} from './errors.ts';

/**
 * State of an upstream's circuit breaker.
 *
 * @example
 * ```ts
 * const degraded = (s: BreakerState) => s !== 'closed';
 * ```
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Options of {@link createUpstreamPolicy}. Every duration is in milliseconds.
 *
 * @example
 * ```ts
 * const options: UpstreamPolicyOptions = { name: 'servicenow', timeoutMs: 8000, retry: { maxAttempts: 4 }, breaker: { halfOpenAfterMs: 10_000 } };
 * ```
 */
export interface UpstreamPolicyOptions {
  /** Upstream name used in errors and logs, e.g. `catalyst-center`. */
  name: string;
  /** Timeout of each attempt, in ms. Default 10000. */
  timeoutMs?: number;
  retry?: {
    /** Total attempts including the first, for idempotent calls. Default 3. */
    maxAttempts?: number;
    /** First backoff delay, in ms (exponential with decorrelated jitter). Default 200. */
    initialDelayMs?: number;
    /** Largest backoff delay, in ms. A `Retry-After` longer than this is not waited for. Default 5000. */
    maxDelayMs?: number;
  };
  breaker?: {
    /** Consecutive transient failures that open the breaker. Default 5. */
    consecutiveFailures?: number;
    /** Time the breaker stays open before letting one trial call through, in ms. Default 30000. */
    halfOpenAfterMs?: number;
  };
  /** Receives retry / breaker events (never request data). */
  logger?: Logger;
  /** Called on every breaker transition. */
  onStateChange?: (state: BreakerState) => void;
  /** Receives each call's outcome and duration and every breaker state (e.g. the platform's Prometheus metrics). */
  observer?: UpstreamObserver;
  /**
   * Degraded mode: reads that pass a `cacheKey` are cached here, answered from it while fresh, and
   * answered from the kept copy (marked stale on the request) while the breaker is open. Default: none.
   */
  readCache?: UpstreamReadCache;
}

/**
 * What an upstream policy reports: `call` once per upstream call of {@link UpstreamPolicy.execute} (retries
 * included in the duration; a fresh cached read is none), `breaker` at creation and on every transition.
 */
export interface UpstreamObserver {
  /** `outcome` is `success` or the platform error code (`ERR_UPSTREAM_TIMEOUT`, `ERR_CIRCUIT_OPEN`…). */
  call(upstream: string, outcome: string, seconds: number): void;
  breaker(upstream: string, state: BreakerState): void;
}

/**
 * Per-call options of {@link UpstreamPolicy.execute}.
 *
 * @example
 * ```ts
 * await policy.execute(fn, { idempotent: req.method === 'GET', signal: ctx.signal });
 * ```
 */
export interface ExecuteOptions {
  /**
   * True when repeating the call cannot change the outcome (reads, PUT of a full state).
   * Only idempotent calls are retried.
   */
  idempotent: boolean;
  /** Caller cancellation (e.g. the MCP request's deadline). Aborting stops retries too. */
  signal?: AbortSignal;
  /**
   * Reads only (with the policy's `readCache`): the call's identity in the cache, e.g. its path and
   * query. The result must be JSON (it may be shared through Redis). Ignored without a read cache.
   * A call without one is treated as a possible write: it ends the freshness of every cached read
   * of this upstream, before it is sent and again when it ends (success or not).
   */
  cacheKey?: string;
  /**
   * With `cacheKey`: `false` keeps the answer for degraded mode only and never serves it from the fresh
   * window (`freshForMs`), for reads that report work in progress (a task, a deployment's status). Default true.
   */
  fresh?: boolean;
}

/**
 * What {@link createUpstreamPolicy} returns: one per upstream, shared by all its calls.
 *
 * @example
 * ```ts
 * health.register('catalyst-center', () => policy.breakerState() !== 'open');
 * ```
 */
export interface UpstreamPolicy {
  /** Upstream name. */
  readonly name: string;
  /**
   * Runs `fn` with a per-attempt timeout, the breaker, and (when idempotent) retries.
   * `fn` receives a signal that aborts on timeout or caller cancellation; pass it to I/O.
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options: ExecuteOptions): Promise<T>;
  /**
   * Current breaker state. `half-open` also once `halfOpenAfterMs` passed since it opened and no call
   * tried yet (the next call is the trial): a caller gating on `open` — degraded mode refusing writes —
   * must let that trial through, or an upstream with only write traffic would stay "open" for ever.
   */
  breakerState(): BreakerState;
  /** Removes event listeners. The policy must not be used afterwards. */
  dispose(): void;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

type RetryCtx = IRetryBackoffContext<unknown>;

/** Exponential backoff with jitter that waits exactly `Retry-After` when the upstream gave one. */
class RetryAfterBackoff implements IBackoff<RetryCtx> {
  private readonly inner: IBackoffFactory<unknown>;
  readonly duration: number;

  constructor(inner: IBackoffFactory<unknown>, duration: number) {
    this.inner = inner;
    this.duration = duration;
  }

  static factory(inner: IBackoffFactory<unknown>): IBackoffFactory<RetryCtx> {
    return { next: (ctx) => RetryAfterBackoff.step(inner, ctx) };
  }

  private static step(inner: IBackoffFactory<unknown>, ctx: RetryCtx): RetryAfterBackoff {
    const next = inner.next(ctx);
    const error = 'error' in ctx.result ? ctx.result.error : undefined;
    const retryAfter = error instanceof UpstreamRateLimitedError ? error.retryAfterMs : undefined;
    return new RetryAfterBackoff(next, retryAfter ?? next.duration);
  }

  next(ctx: RetryCtx): IBackoff<RetryCtx> {
    return RetryAfterBackoff.step(this.inner, ctx);
  }
}

/**
 * Builds the resilience policy for one upstream on cockatiel: a timeout on every attempt,
 * a consecutive-failure circuit breaker that counts only transient failures, and retries with
 * exponential backoff + jitter for idempotent calls only (network errors, timeouts, 502/503/504,
 * and 429 honouring `Retry-After`). Business errors (4xx) and auth errors are never retried.
 *
 * @example
 * ```ts
 * const policy = createUpstreamPolicy({ name: 'catalyst-center', timeoutMs: 5000, logger });
 * const devices = await policy.execute((signal) => requestJson({ upstream: 'catalyst-center', url, signal }), { idempotent: true });
 * ```
 */
export function createUpstreamPolicy(options: UpstreamPolicyOptions): UpstreamPolicy {
  const name = options.name;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('createUpstreamPolicy: name is required');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.retry?.maxAttempts ?? 3;
  const initialDelayMs = options.retry?.initialDelayMs ?? 200;
  const maxDelayMs = options.retry?.maxDelayMs ?? 5_000;
  const consecutiveFailures = options.breaker?.consecutiveFailures ?? 5;
  const halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? 30_000;
  for (const [key, value, min] of [
    ['timeoutMs', timeoutMs, 1],
    ['retry.maxAttempts', maxAttempts, 1],
    ['retry.initialDelayMs', initialDelayMs, 0],
    ['retry.maxDelayMs', maxDelayMs, 0],
    ['breaker.consecutiveFailures', consecutiveFailures, 1],
    ['breaker.halfOpenAfterMs', halfOpenAfterMs, 0],
  ] as const) {
    if (!Number.isFinite(value) || value < min) throw new TypeError(`createUpstreamPolicy: ${key} must be a number >= ${min}`);
  }
  const logger = options.logger?.child({ upstream: { name } });

  const breaker = circuitBreaker(handleWhen(isTransientUpstreamError), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(consecutiveFailures),
  });
  const retryable = (err: unknown): boolean =>
    isTransientUpstreamError(err) &&
    !(err instanceof UpstreamRateLimitedError && err.retryAfterMs !== undefined && err.retryAfterMs > maxDelayMs);
  const retrier = retry(handleWhen(retryable), {
    maxAttempts: maxAttempts - 1,
    backoff: RetryAfterBackoff.factory(new ExponentialBackoff({ initialDelay: initialDelayMs, maxDelay: maxDelayMs })),
  });
  // `abortOnReturn: false`: cockatiel would otherwise abort every finished attempt's signal, building a
  // `DOMException` (with its stack) per upstream call — the largest single cost of the policy under load.
  // `fn` has consumed its response by the time it returns, so nothing is left for that abort to stop.
  const perAttemptTimeout = timeout(timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });

  let openedAt = 0;
  const listeners = [
    breaker.onStateChange((state) => {
      const named = STATE_NAMES[state];
      if (named === 'open') openedAt = Date.now();
      if (named === 'open') logger?.warn('circuit breaker opened', { upstream: { name, breaker: named } });
      else logger?.info(`circuit breaker ${named}`, { upstream: { name, breaker: named } });
      options.onStateChange?.(named);
      options.observer?.breaker(name, named);
    }),
    retrier.onRetry((event) => {
      const reason = 'error' in event ? describe(event.error) : 'result';
      logger?.warn('retrying upstream call', { upstream: { name }, retry: { attempt: event.attempt, delay_ms: Math.round(event.delay), reason } });
    }),
  ];

  /** One attempt: timeout around `fn`, mapping a timeout/network failure to typed errors. */
  async function attempt<T>(fn: (signal: AbortSignal) => Promise<T>, callerSignal: AbortSignal | undefined): Promise<T> {
    // Remember whether the attempt signal was already aborted (timeout) when `fn` failed.
    let abortedBeforeFailure = false;
    try {
      return await perAttemptTimeout.execute(
        (_ctx, signal) =>
          Promise.resolve()
            .then(() => fn(signal))
            .catch((err: unknown) => {
              abortedBeforeFailure = signal.aborted;
              throw err;
            }),
        callerSignal,
      );
    } catch (err) {
      if (callerSignal?.aborted) throw callerSignal.reason ?? err;
      if (err instanceof TaskCancelledError || abortedBeforeFailure) throw new UpstreamTimeoutError(name, timeoutMs, { cause: err });
      if (err instanceof UpstreamError) throw err;
      if (isNetworkError(err)) throw new UpstreamUnavailableError(name, { cause: err });
      throw err;
    }
  }

  options.observer?.breaker(name, 'closed');
  const readCache = options.readCache;

  async function execute<T>(fn: (signal: AbortSignal) => Promise<T>, opts: ExecuteOptions): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError('execute: fn must be a function');
    if (typeof opts?.idempotent !== 'boolean') throw new TypeError('execute: options.idempotent must be a boolean');
    const key = opts.cacheKey;
    if (readCache === undefined) return observedExecute(fn, opts);
    if (key === undefined) {
      // Possibly a write: a read sent after it ends never gets an answer cached before it ended, and a read
      // that was in flight meanwhile is kept for degraded mode only (the epoch it started in is gone).
      readCache.invalidate();
      try {
        return await observedExecute(fn, opts);
      } finally {
        readCache.invalidate();
      }
    }
    if (!opts.idempotent) throw new TypeError('execute: only idempotent calls (reads) may pass a cacheKey');
    // A fresh cached read never reaches the upstream (so it is no upstream span and no upstream metric).
    const fresh = opts.fresh === false ? undefined : readCache.fresh(key);
    if (fresh) return fresh.value as T;
    const since = readCache.epoch();
    try {
      const value = await observedExecute(fn, opts);
      readCache.store(key, value, { since, fresh: opts.fresh !== false });
      return value;
    } catch (err) {
      if (!(err instanceof CircuitOpenError)) throw err;
      const kept = await readCache.kept(key);
      if (!kept) throw err;
      const ageMs = kept.ageMs;
      noteStaleRead({ upstream: name, ageMs });
      logger?.info('answering from the read cache (circuit open)', { upstream: { name, breaker: 'open' }, event: { action: 'stale-read' }, labels: { age_ms: ageMs } });
      return kept.value as T;
    }
  }

  /** One upstream call as a span (`upstream <name>`; the undici spans of its attempts are its children) and a metric. */
  async function observedExecute<T>(fn: (signal: AbortSignal) => Promise<T>, opts: ExecuteOptions): Promise<T> {
    const started = process.hrtime.bigint();
    let outcome = 'success';
    try {
      return await inSpan(
        `upstream ${name}`,
        { attributes: { [ATTR.UPSTREAM_NAME]: name, [ATTR.UPSTREAM_IDEMPOTENT]: opts.idempotent, [ATTR.UPSTREAM_BREAKER_STATE]: STATE_NAMES[breaker.state] } },
        () => guardedExecute(fn, opts),
      );
    } catch (err) {
      outcome = errorType(err);
      throw err;
    } finally {
      options.observer?.call(name, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async function guardedExecute<T>(fn: (signal: AbortSignal) => Promise<T>, opts: ExecuteOptions): Promise<T> {
    const guarded = (signal: AbortSignal | undefined): Promise<T> =>
      breaker.execute(({ signal: breakerSignal }) => attempt(fn, signal ?? breakerSignal), signal);
    try {
      if (!opts.idempotent) return await guarded(opts.signal);
      return await retrier.execute(({ signal }) => guarded(signal), opts.signal);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new CircuitOpenError(name, { cause: err });
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      throw err;
    }
  }

  return {
    name,
    execute,
    breakerState: () => {
      const state = STATE_NAMES[breaker.state];
      return state === 'open' && Date.now() - openedAt >= halfOpenAfterMs ? 'half-open' : state;
    },
    dispose: () => {
      for (const l of listeners) l.dispose();
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof UpstreamError) return err.status === undefined ? err.code : `${err.code} ${err.status}`;
  if (err instanceof Error) return err.name;
  return 'unknown';
}
