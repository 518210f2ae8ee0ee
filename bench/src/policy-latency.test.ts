import { describe, expect, it } from 'vitest';
import { latencyOf, timeAlternately } from './policy-latency.ts';

describe('timeAlternately', () => {
  it('runs each side n times in ABBA order and times each call on its own side', async () => {
    const calls: string[] = [];
    const tick = (name: string, waitMs: number) => async () => {
      calls.push(name);
      await new Promise((r) => setTimeout(r, waitMs));
    };
    const { a, b } = await timeAlternately(tick('a', 0), tick('b', 15), 4);
    expect(calls).toEqual(['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect(a).toHaveLength(4);
    expect(b).toHaveLength(4);
    expect(Math.min(...b)).toBeGreaterThanOrEqual(10); // b's 15 ms waits land in b's samples, not a's
  });

  it('stops at the first rejection', async () => {
    let bCalls = 0;
    const failing = async () => {
      bCalls++;
      if (bCalls === 2) throw new Error('health check failed');
    };
    await expect(timeAlternately(async () => {}, failing, 10)).rejects.toThrow('health check failed');
    expect(bCalls).toBe(2);
  });
});

describe('latencyOf', () => {
  it('takes p50, p99 and max over unsorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(latencyOf(samples)).toEqual({ p50Ms: 50, p99Ms: 99, maxMs: 100 });
  });

  it('is NaN for no samples', () => {
    const l = latencyOf([]);
    expect([l.p50Ms, l.p99Ms, l.maxMs].every(Number.isNaN)).toBe(true);
  });
});
