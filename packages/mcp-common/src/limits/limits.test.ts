import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { createConcurrencyLimiter } from './concurrency.ts';
import { createRateLimiter } from './rate-limiter.ts';

const logger = new MemoryLogger();

describe('createRateLimiter (in process)', () => {
  it('lets a key spend its steady rate plus its burst, then refuses with a retry time', async () => {
    const limiter = createRateLimiter({ policy: { name: 't', ratePerSecond: 2, burst: 3, burstWindowSeconds: 60 }, keyPrefix: 'unit', logger });
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await limiter.consume('alice'));
    const allowed = results.filter((r) => r.allowed).length;
    // 2 steady + 3 burst in the first second (a slow machine may cross into the next second: +2 at most).
    expect(allowed).toBeGreaterThanOrEqual(5);
    expect(allowed).toBeLessThanOrEqual(7);
    const refused = results.find((r) => !r.allowed);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused!.resetSeconds).toBeGreaterThanOrEqual(1);
    expect((await limiter.consume('bob')).allowed).toBe(true);
  });

  it('takes several tokens for a heavy call', async () => {
    const limiter = createRateLimiter({ policy: { name: 't', ratePerSecond: 1, burst: 5, burstWindowSeconds: 60 }, keyPrefix: 'unit3', logger });
    expect((await limiter.consume('carol', 5)).allowed).toBe(true);
    expect((await limiter.consume('carol', 5)).allowed).toBe(false);
    await expect(limiter.consume('carol', 0)).rejects.toThrow(TypeError);
  });

  it('names the policy in the RateLimit-Policy header', () => {
    const limiter = createRateLimiter({ policy: { name: 'mcp-x', ratePerSecond: 7, burst: 0, burstWindowSeconds: 1 }, keyPrefix: 'unit2', logger });
    expect(limiter.policyHeader()).toBe('"mcp-x"; q=7; w=1');
  });

  it('rejects a policy that is not a positive integer rate', () => {
    expect(() => createRateLimiter({ policy: { name: 't', ratePerSecond: 0, burst: 0, burstWindowSeconds: 1 }, keyPrefix: 'x', logger })).toThrow(/ratePerSecond/);
    expect(() => createRateLimiter({ policy: { name: 't', ratePerSecond: 1, burst: -1, burstWindowSeconds: 1 }, keyPrefix: 'x', logger })).toThrow(/burst/);
  });
});

describe('createConcurrencyLimiter', () => {
  it('refuses above the cap per key, frees on release, ignores double release and forgets idle keys', () => {
    const caps = createConcurrencyLimiter(2);
    const a1 = caps.tryAcquire('a');
    const a2 = caps.tryAcquire('a');
    expect(a1).toBeTypeOf('function');
    expect(a2).toBeTypeOf('function');
    expect(caps.tryAcquire('a')).toBeUndefined();
    expect(caps.tryAcquire('b')).toBeTypeOf('function');
    a1!();
    a1!();
    expect(caps.inFlight('a')).toBe(1);
    expect(caps.tryAcquire('a')).toBeTypeOf('function');
    expect(caps.tryAcquire('a')).toBeUndefined();
  });

  it('counts weighted slots: a heavy acquisition takes its weight (capped at the limit) and gives it back', () => {
    const caps = createConcurrencyLimiter(5);
    const heavy = caps.tryAcquire('a', 4);
    expect(caps.inFlight('a')).toBe(4);
    expect(caps.tryAcquire('a', 2)).toBeUndefined();
    const light = caps.tryAcquire('a');
    expect(light).toBeTypeOf('function');
    heavy!();
    expect(caps.inFlight('a')).toBe(1);
    const huge = caps.tryAcquire('b', 50);
    expect(caps.inFlight('b')).toBe(5);
    huge!();
    expect(caps.inFlight('b')).toBe(0);
    expect(() => caps.tryAcquire('a', 0)).toThrow(TypeError);
  });

  it('rejects a cap that is not a positive integer', () => {
    expect(() => createConcurrencyLimiter(0)).toThrow(TypeError);
  });
});
