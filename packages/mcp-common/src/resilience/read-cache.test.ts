import { describe, expect, it } from 'vitest';
import { runWithRequestContext, type RequestContext } from '../logging/context.ts';
import { CircuitOpenError, UpstreamUnavailableError } from './errors.ts';
import { createUpstreamPolicy } from './policy.ts';
import { createUpstreamReadCache, staleReadsOfCurrentRequest } from './read-cache.ts';

// Degraded mode at the upstream policy: reads with a cacheKey are kept; while the breaker is
// open they are answered from the kept copy and the request records how stale the answer was.

const down = () => Promise.reject(new UpstreamUnavailableError('up'));
const ctx = (): RequestContext => ({ traceId: 't'.repeat(32), spanId: 's'.repeat(16), requestId: 'r' });

function setup(opts: { freshForMs?: number; keepForMs?: number } = {}) {
  let clock = 1_000_000;
  const cache = createUpstreamReadCache({ name: 'up', keepForMs: opts.keepForMs ?? 60_000, freshForMs: opts.freshForMs ?? 0, now: () => clock });
  const policy = createUpstreamPolicy({ name: 'up', readCache: cache, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
  const open = async () => {
    for (let i = 0; i < 2; i++) await expect(policy.execute(down, { idempotent: true, cacheKey: 'other' })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(policy.breakerState()).toBe('open');
  };
  return { cache, policy, open, advance: (ms: number) => (clock += ms) };
}

describe('upstream read cache (degraded mode)', () => {
  it('answers a read from the kept copy while the breaker is open, and records its age on the request', async () => {
    const { policy, open, advance } = setup();
    let upstreamCalls = 0;
    const read = () => policy.execute(async () => ({ device: 'd1', n: ++upstreamCalls }), { idempotent: true, cacheKey: 'GET /device/d1' });
    expect(await read()).toEqual({ device: 'd1', n: 1 });
    await open();
    advance(42_000);
    const c = ctx();
    const answer = await runWithRequestContext(c, async () => {
      const value = await read();
      return { value, stale: staleReadsOfCurrentRequest() };
    });
    expect(answer.value).toEqual({ device: 'd1', n: 1 });
    expect(upstreamCalls).toBe(1);
    expect(answer.stale).toEqual([{ upstream: 'up', ageMs: 42_000 }]);
    policy.dispose();
  });

  it('refuses (circuit open) a read it never saw, and one kept longer than keepForMs', async () => {
    const { policy, open, advance } = setup({ keepForMs: 10_000 });
    await policy.execute(async () => 'old', { idempotent: true, cacheKey: 'k' });
    await open();
    await expect(policy.execute(async () => 'x', { idempotent: true, cacheKey: 'never-read' })).rejects.toBeInstanceOf(CircuitOpenError);
    advance(10_001);
    await expect(policy.execute(async () => 'x', { idempotent: true, cacheKey: 'k' })).rejects.toBeInstanceOf(CircuitOpenError);
    policy.dispose();
  });

  it('never answers a write from the cache: writes fail with circuit open, and may not pass a cacheKey', async () => {
    const { policy, open } = setup();
    await open();
    let wrote = false;
    await expect(
      policy.execute(async () => {
        wrote = true;
      }, { idempotent: false }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(policy.execute(async () => 'x', { idempotent: false, cacheKey: 'k' })).rejects.toThrow(TypeError);
    expect(wrote).toBe(false);
    policy.dispose();
  });

  it('asks the upstream on every read while it is up (freshForMs 0), and stores the newest answer', async () => {
    const { policy, open } = setup();
    let n = 0;
    const read = () => policy.execute(async () => ++n, { idempotent: true, cacheKey: 'k' });
    expect([await read(), await read(), await read()]).toEqual([1, 2, 3]);
    await open();
    expect(await runWithRequestContext(ctx(), read)).toBe(3);
    policy.dispose();
  });

  it('with freshForMs, answers from the cache without the upstream until the entry is that old (not marked stale)', async () => {
    const { policy, advance } = setup({ freshForMs: 5_000 });
    let n = 0;
    const read = () => policy.execute(async () => ++n, { idempotent: true, cacheKey: 'k' });
    expect(await read()).toBe(1);
    advance(4_999);
    const c = ctx();
    expect(await runWithRequestContext(c, read)).toBe(1);
    expect(c.staleReads).toBeUndefined();
    advance(1);
    expect(await read()).toBe(2);
    policy.dispose();
  });

  it('never answers a write tool\'s reads from a fresh entry (the decision binds to the upstream state)', async () => {
    const { policy } = setup({ freshForMs: 5_000 });
    let n = 0;
    const read = () => policy.execute(async () => ++n, { idempotent: true, cacheKey: 'k' });
    expect(await read()).toBe(1);
    expect(await read()).toBe(1);
    expect(await runWithRequestContext({ ...ctx(), upstreamWrite: true }, read)).toBe(2);
    policy.dispose();
  });

  it('rejects nonsense TTLs naming the option', () => {
    expect(() => createUpstreamReadCache({ name: 'u', keepForMs: 0 })).toThrow(/keepForMs/);
    expect(() => createUpstreamReadCache({ name: 'u', freshForMs: -1 })).toThrow(/freshForMs/);
    expect(() => createUpstreamReadCache({ name: 'u', freshForMs: 10, keepForMs: 5 })).toThrow(/freshForMs must not exceed keepForMs/);
  });
});
