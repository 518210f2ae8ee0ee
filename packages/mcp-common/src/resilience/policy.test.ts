import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { createUpstreamPolicy, type BreakerState, type UpstreamPolicyOptions } from './policy.ts';
import {
  CircuitOpenError,
  UpstreamAuthError,
  UpstreamRateLimitedError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.ts';

const fast = (extra: Partial<UpstreamPolicyOptions> = {}): UpstreamPolicyOptions => ({
  name: 'test-upstream',
  timeoutMs: 1000,
  retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 20 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 50 },
  ...extra,
});

/**
 * The breaker's clock (cockatiel and `breakerState()` read `Date.now()`) frozen, moved only by {@link advance}:
 * no half-open window can pass between two steps of a test on a busy machine. Timers stay real.
 */
const freezeClock = () => vi.useFakeTimers({ toFake: ['Date'] });
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
afterEach(() => {
  vi.useRealTimers();
});

/** A function that fails with the given errors in order, then returns `value`. */
function flaky<T>(errors: Error[], value: T): { fn: (signal: AbortSignal) => Promise<T>; calls: () => number } {
  let calls = 0;
  return {
    fn: async () => {
      const err = errors[calls++];
      if (err) throw err;
      return value;
    },
    calls: () => calls,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createUpstreamPolicy', () => {
  it('retries transient failures of idempotent calls up to maxAttempts in total', async () => {
    const policy = createUpstreamPolicy(fast());
    const f = flaky([new UpstreamUnavailableError('u', { status: 503 }), new UpstreamUnavailableError('u', { status: 502 })], 'ok');
    await expect(policy.execute(f.fn, { idempotent: true })).resolves.toBe('ok');
    expect(f.calls()).toBe(3);

    const always = flaky(Array.from({ length: 10 }, () => new UpstreamUnavailableError('u', { status: 504 })), 'never');
    await expect(policy.execute(always.fn, { idempotent: true })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', status: 504 });
    expect(always.calls()).toBe(3);
    policy.dispose();
  });

  it('never retries non-idempotent calls', async () => {
    const policy = createUpstreamPolicy(fast());
    const f = flaky([new UpstreamUnavailableError('u', { status: 503 })], 'ok');
    await expect(policy.execute(f.fn, { idempotent: false })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(f.calls()).toBe(1);
  });

  it('never retries business, auth or plain 500 errors', async () => {
    const policy = createUpstreamPolicy(fast());
    for (const err of [
      new UpstreamRejectedError('u', 'bad input', { status: 400 }),
      new UpstreamAuthError('u', { status: 401 }),
      new UpstreamUnavailableError('u', { status: 500 }),
      new Error('programming error'),
    ]) {
      const f = flaky([err], 'ok');
      await expect(policy.execute(f.fn, { idempotent: true })).rejects.toBe(err);
      expect(f.calls()).toBe(1);
    }
    expect(policy.breakerState()).toBe('closed');
  });

  it('retries network errors, mapping them to ERR_UPSTREAM_UNAVAILABLE', async () => {
    const policy = createUpstreamPolicy(fast());
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    const f = flaky([refused, refused, refused], 'ok');
    const err = await policy.execute(f.fn, { idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as UpstreamUnavailableError).cause).toBe(refused);
    expect(f.calls()).toBe(3);
  });

  it('honours Retry-After on 429 and does not wait longer than maxDelayMs', async () => {
    const policy = createUpstreamPolicy(fast({ retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 500 } }));
    const f = flaky([new UpstreamRateLimitedError('u', 150)], 'ok');
    const started = Date.now();
    await expect(policy.execute(f.fn, { idempotent: true })).resolves.toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(f.calls()).toBe(2);

    const tooLong = flaky([new UpstreamRateLimitedError('u', 60_000)], 'ok');
    await expect(policy.execute(tooLong.fn, { idempotent: true })).rejects.toBeInstanceOf(UpstreamRateLimitedError);
    expect(tooLong.calls()).toBe(1);
  });

  it('times out each attempt, aborts its signal, and retries idempotent calls', async () => {
    const policy = createUpstreamPolicy(fast({ timeoutMs: 30, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 } }));
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<never>(() => undefined);
    };
    const err = await policy.execute(hang, { idempotent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(err).toMatchObject({ code: 'ERR_UPSTREAM_TIMEOUT', upstream: 'test-upstream', timeoutMs: 30 });
    expect(signals).toHaveLength(2);
    expect(signals.every((s) => s.aborted)).toBe(true);

    signals.length = 0;
    await expect(policy.execute(hang, { idempotent: false })).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(signals).toHaveLength(1);
  });

  it('leaves the signal of an attempt that finished alone (no abort event per call), and a fast failure is no timeout', async () => {
    const policy = createUpstreamPolicy(fast({ timeoutMs: 1000 }));
    let seen: AbortSignal | undefined;
    let aborts = 0;
    const value = await policy.execute(
      async (signal) => {
        seen = signal;
        signal.addEventListener('abort', () => aborts++);
        return 'ok';
      },
      { idempotent: true },
    );
    await new Promise((r) => setTimeout(r, 5));
    expect(value).toBe('ok');
    expect(seen?.aborted).toBe(false);
    expect(aborts).toBe(0);
    const refused = new UpstreamUnavailableError('test-upstream', { status: 503 });
    await expect(policy.execute(() => Promise.reject(refused), { idempotent: false })).rejects.toBe(refused);
  });

  it('stops at once when the caller aborts, with the caller reason', async () => {
    const policy = createUpstreamPolicy(fast({ timeoutMs: 5000 }));
    const ctrl = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => ctrl.abort(reason), 20);
    const err = await policy
      .execute((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))), {
        idempotent: true,
        signal: ctrl.signal,
      })
      .catch((e: unknown) => e);
    expect(err).toBe(reason);
  });

  it('opens the breaker after consecutive transient failures, then half-opens and closes', async () => {
    freezeClock();
    const states: BreakerState[] = [];
    const logger = new MemoryLogger();
    const policy = createUpstreamPolicy(
      fast({ retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60 }, logger, onStateChange: (s) => states.push(s) }),
    );
    const failing = flaky(Array.from({ length: 10 }, () => new UpstreamUnavailableError('u', { status: 503 })), 'x');
    for (let i = 0; i < 3; i++) await expect(policy.execute(failing.fn, { idempotent: true })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(policy.breakerState()).toBe('open');

    // While open the function is not called at all.
    const err = await policy.execute(failing.fn, { idempotent: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toMatchObject({ code: 'ERR_CIRCUIT_OPEN', upstream: 'test-upstream' });
    expect(failing.calls()).toBe(3);

    advance(70);
    let release: (v: string) => void = () => undefined;
    const trial = policy.execute(() => new Promise<string>((r) => (release = r)), { idempotent: true });
    await sleep(5);
    expect(policy.breakerState()).toBe('half-open');
    release('recovered');
    await expect(trial).resolves.toBe('recovered');
    expect(policy.breakerState()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message === 'circuit breaker opened')).toBe(true);
  });

  it('reports half-open once the trial is due, before any call (a write gate on "open" lets the trial through), and open again when it fails', async () => {
    freezeClock();
    const policy = createUpstreamPolicy(fast({ retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 40 } }));
    const failing = flaky(Array.from({ length: 10 }, () => new UpstreamUnavailableError('u', { status: 503 })), 'x');
    for (let i = 0; i < 2; i++) await policy.execute(failing.fn, { idempotent: false }).catch(() => undefined);
    expect(policy.breakerState()).toBe('open');
    advance(50);
    expect(policy.breakerState()).toBe('half-open');
    expect(failing.calls()).toBe(2);
    await expect(policy.execute(failing.fn, { idempotent: false })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(policy.breakerState()).toBe('open');
  });

  it('re-opens when the half-open trial fails', async () => {
    freezeClock();
    const policy = createUpstreamPolicy(fast({ retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 30 } }));
    const failing = flaky(Array.from({ length: 10 }, () => new UpstreamUnavailableError('u', { status: 502 })), 'x');
    for (let i = 0; i < 2; i++) await policy.execute(failing.fn, { idempotent: true }).catch(() => undefined);
    expect(policy.breakerState()).toBe('open');
    advance(40);
    await expect(policy.execute(failing.fn, { idempotent: true })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(policy.breakerState()).toBe('open');
    await expect(policy.execute(failing.fn, { idempotent: true })).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('does not count business errors towards the breaker', async () => {
    const policy = createUpstreamPolicy(fast({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 1000 } }));
    for (let i = 0; i < 5; i++) {
      await policy.execute(() => Promise.reject(new UpstreamRejectedError('u', 'no', { status: 422 })), { idempotent: true }).catch(() => undefined);
    }
    expect(policy.breakerState()).toBe('closed');
  });

  it('logs retries without request data', async () => {
    const logger = new MemoryLogger();
    const policy = createUpstreamPolicy(fast({ logger }));
    const f = flaky([new UpstreamUnavailableError('u', { status: 503 })], 'ok');
    await policy.execute(f.fn, { idempotent: true });
    const line = logger.lines.find((l) => l.message === 'retrying upstream call');
    expect(line?.fields).toMatchObject({ upstream: { name: 'test-upstream' }, retry: { attempt: 1, reason: 'ERR_UPSTREAM_UNAVAILABLE 503' } });
  });

  it('rejects misuse with TypeError', async () => {
    expect(() => createUpstreamPolicy({ name: '' })).toThrow(TypeError);
    expect(() => createUpstreamPolicy({ name: 'x', timeoutMs: 0 })).toThrow(TypeError);
    const policy = createUpstreamPolicy({ name: 'x' });
    // @ts-expect-error idempotent is required
    await expect(policy.execute(async () => 1, {})).rejects.toThrow(TypeError);
  });
});
