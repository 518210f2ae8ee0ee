import { describe, expect, it } from 'vitest';
import { runWithRequestContext, type RequestContext } from '../logging/context.ts';
import { UpstreamTimeoutError, UpstreamUnavailableError } from './errors.ts';
import { createUpstreamPolicy } from './policy.ts';
import { createUpstreamReadCache, staleReadsOfCurrentRequest } from './read-cache.ts';

// The fresh window (freshForMs) against writes through this process: a read sent after a write ended
// never gets an answer the upstream gave before that write ended — not from the cache, and not from a
// read that was in flight while the write ran. Entries stay kept for degraded mode.

const ctx = (): RequestContext => ({ traceId: 't'.repeat(32), spanId: 's'.repeat(16), requestId: 'r' });

/** An upstream holding one value, with reads that can be held back to interleave them with a write. */
function upstream() {
  let value = 'v1';
  let reads = 0;
  let held: Array<() => void> = [];
  return {
    get value() {
      return value;
    },
    set value(v: string) {
      value = v;
    },
    get reads() {
      return reads;
    },
    /** A read that sees the value when it is sent, and answers when `release()` is called (if `hold`). */
    read(hold = false): () => Promise<string> {
      return () => {
        reads++;
        const seen = value;
        if (!hold) return Promise.resolve(seen);
        return new Promise<string>((resolve) => held.push(() => resolve(seen)));
      };
    },
    release() {
      for (const r of held) r();
      held = [];
    },
  };
}

function setup() {
  let clock = 1_000_000;
  const cache = createUpstreamReadCache({ name: 'up', freshForMs: 5_000, keepForMs: 60_000, now: () => clock });
  const policy = createUpstreamPolicy({ name: 'up', readCache: cache, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
  return { cache, policy, advance: (ms: number) => (clock += ms) };
}

describe('upstream read cache: reads after this process\'s own writes', () => {
  it('a read after a write asks the upstream again, although the cached answer is still inside the fresh window', async () => {
    const { policy } = setup();
    const up = upstream();
    const read = () => policy.execute(up.read(), { idempotent: true, cacheKey: 'GET /device/d1' });
    expect(await read()).toBe('v1');
    expect(await read()).toBe('v1');
    expect(up.reads).toBe(1); // the second read came from the fresh window
    await policy.execute(async () => {
      up.value = 'v2';
    }, { idempotent: false });
    expect(await read()).toBe('v2');
    expect(up.reads).toBe(2);
    expect(await read()).toBe('v2'); // and the new answer is fresh again
    expect(up.reads).toBe(2);
    policy.dispose();
  });

  it('a read that was in flight while a write ran is never served fresh afterwards (it may carry the old value)', async () => {
    const { policy } = setup();
    const up = upstream();
    const key = { idempotent: true, cacheKey: 'GET /device/d1' } as const;
    // The read is sent before the write and answers after it: the upstream gave it the old value.
    const slow = policy.execute(up.read(true), key);
    await Promise.resolve();
    await policy.execute(async () => {
      up.value = 'v2';
    }, { idempotent: false });
    up.release();
    expect(await slow).toBe('v1');
    // A read sent after the write ended must not get that old answer from the cache.
    expect(await policy.execute(up.read(), key)).toBe('v2');
    policy.dispose();
  });

  it('a read answered while a write is still running is not served fresh once the write ended', async () => {
    const { policy } = setup();
    const up = upstream();
    const key = { idempotent: true, cacheKey: 'k' } as const;
    let finishWrite: () => void = () => {};
    const write = policy.execute(
      () =>
        new Promise<void>((resolve) => {
          finishWrite = () => {
            up.value = 'v2';
            resolve();
          };
        }),
      { idempotent: false },
    );
    expect(await policy.execute(up.read(), key)).toBe('v1'); // concurrent with the write: either value is right
    finishWrite();
    await write;
    expect(await policy.execute(up.read(), key)).toBe('v2');
    policy.dispose();
  });

  it('a write that failed (it may still have happened upstream) ends the freshness too', async () => {
    const { policy } = setup();
    const up = upstream();
    const read = () => policy.execute(up.read(), { idempotent: true, cacheKey: 'k' });
    expect(await read()).toBe('v1');
    await expect(
      policy.execute(async () => {
        up.value = 'v2';
        throw new UpstreamTimeoutError('up', 10);
      }, { idempotent: false }),
    ).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(await read()).toBe('v2');
    policy.dispose();
  });

  it('keeps invalidated answers for degraded mode: while the breaker is open they answer, marked stale', async () => {
    const { policy, advance } = setup();
    const up = upstream();
    const read = () => policy.execute(up.read(), { idempotent: true, cacheKey: 'k' });
    expect(await read()).toBe('v1');
    await policy.execute(async () => {}, { idempotent: false });
    for (let i = 0; i < 2; i++) {
      await expect(policy.execute(() => Promise.reject(new UpstreamUnavailableError('up')), { idempotent: true, cacheKey: 'other' })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    }
    advance(1_000);
    const answer = await runWithRequestContext(ctx(), async () => ({ value: await read(), stale: staleReadsOfCurrentRequest() }));
    expect(answer).toEqual({ value: 'v1', stale: [{ upstream: 'up', ageMs: 1_000 }] });
    policy.dispose();
  });

  it('never answers a work-in-progress read (fresh: false) from the fresh window, but keeps it', async () => {
    const { policy, cache } = setup();
    const up = upstream();
    const poll = () => policy.execute(up.read(), { idempotent: true, cacheKey: 'GET /task/t1', fresh: false });
    expect(await poll()).toBe('v1');
    up.value = 'v2';
    expect(await poll()).toBe('v2');
    expect(up.reads).toBe(2);
    expect(cache.fresh('GET /task/t1')).toBeUndefined();
    expect((await cache.kept('GET /task/t1'))?.value).toBe('v2');
    policy.dispose();
  });

  it('concurrent reads and writes: no read that starts after a write ended sees a value older than that write', async () => {
    const { policy } = setup();
    const up = upstream();
    const key = { idempotent: true, cacheKey: 'k' } as const;
    let version = 0;
    const violations: string[] = [];
    const writer = async () => {
      for (let i = 0; i < 30; i++) {
        await policy.execute(async () => {
          await new Promise((r) => setTimeout(r, Math.random() * 2));
          up.value = `v${++version}`;
        }, { idempotent: false });
        const floor = version;
        const got = await policy.execute(() => new Promise<string>((r) => setTimeout(() => r(up.value), Math.random() * 2)), key);
        if (Number(got.slice(1)) < floor) violations.push(`after v${floor} read ${got}`);
      }
    };
    const reader = async () => {
      for (let i = 0; i < 60; i++) {
        const seen = up.value;
        await policy.execute(() => new Promise<string>((r) => setTimeout(() => r(seen), Math.random() * 3)), key);
      }
    };
    await Promise.all([writer(), reader(), reader(), reader()]);
    expect(violations).toEqual([]);
    policy.dispose();
  });
});
