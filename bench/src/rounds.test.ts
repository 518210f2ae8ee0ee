import { describe, expect, it } from 'vitest';
import { compareRounds, procCpuMs, roundsFor, summarize, type RoundsResult } from './interleave.ts';
import { formatSpread, formatVerdict, judge, roundOrder, spreadOf } from './rounds.ts';
import type { LoadResult } from './types.ts';

function result(rps: number, p50: number, p99: number, errors = 0): LoadResult {
  return {
    requests: rps * 2,
    durationSeconds: 2,
    requestsPerSecond: rps,
    latencyMs: { p50, p90: p50 + 1, p95: p50 + 2, p99, max: p99 + 10, mean: p50 },
    ok: rps * 2 - errors,
    non2xx: errors,
    socketErrors: 0,
    timeouts: 0,
    rpcErrors: 0,
    toolErrors: 0,
    malformed: 0,
    ...(errors > 0 ? { firstError: `HTTP 500 #${String(rps)}` } : {}),
  };
}

function contender(id: string, rounds: LoadResult[]): RoundsResult {
  return { id, rounds, summary: summarize(rounds) };
}

describe('spreadOf', () => {
  it('takes the median of an odd and of an even count, with min and max', () => {
    expect(spreadOf([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, values: [3, 1, 2] });
    expect(spreadOf([4, 1, 3, 2])).toMatchObject({ median: 2.5, min: 1, max: 4 });
  });

  it('ignores NaN rounds and is NaN when nothing was measured', () => {
    expect(spreadOf([NaN, 5]).median).toBe(5);
    expect(spreadOf([]).median).toBeNaN();
  });

  it('does not reorder the caller’s values', () => {
    const values = [2, 1];
    spreadOf(values);
    expect(values).toEqual([2, 1]);
  });
});

describe('roundOrder', () => {
  it('alternates the order so no contender is always measured last', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(['a', 'b', 'c'], r).join(''))).toEqual(['abc', 'cba', 'abc', 'cba']);
  });

  it('refuses a negative or fractional round', () => {
    expect(() => roundOrder(['a'], -1)).toThrow(TypeError);
    expect(() => roundOrder(['a'], 0.5)).toThrow(/round must be a non-negative integer/);
  });
});

describe('judge and formatVerdict', () => {
  const atLeastOne = (r: number) => r >= 1;

  it('is settled when every round agrees with the median', () => {
    const met = judge(spreadOf([1.1, 1.2, 1.05]), atLeastOne);
    expect(met).toEqual({ met: true, roundsMet: 3, rounds: 3, settled: true });
    expect(formatVerdict(met)).toBe('met (3/3 rounds met)');
    const missed = judge(spreadOf([0.7, 0.8, 0.75]), atLeastOne);
    expect(missed).toEqual({ met: false, roundsMet: 0, rounds: 3, settled: true });
    expect(formatVerdict(missed)).toBe('MISSED (0/3 rounds met)');
  });

  it('says unsettled when the rounds straddle the goal, whichever way the median falls', () => {
    const v = judge(spreadOf([1.2, 0.9, 1.1]), atLeastOne);
    expect(v).toEqual({ met: true, roundsMet: 2, rounds: 3, settled: false });
    expect(formatVerdict(v)).toBe('met at the median, unsettled (2/3 rounds met)');
    expect(formatVerdict(judge(spreadOf([0.9, 0.8, 1.1]), atLeastOne))).toBe('MISSED at the median, unsettled (1/3 rounds met)');
  });

  it('never calls an unmeasured goal met', () => {
    const v = judge(spreadOf([]), atLeastOne);
    expect(v.met).toBe(false);
    expect(formatVerdict(v)).toBe('not measured');
  });
});

describe('formatSpread', () => {
  it('prints the median and the range with a unit', () => {
    expect(formatSpread(spreadOf([0.9, 1, 1.1]), 2, '×')).toBe('1.00× [0.90–1.10]');
    expect(formatSpread(spreadOf([]), 1, ' ms')).toBe('- ms [-–-]');
  });
});

describe('roundsFor', () => {
  it('splits the measured time into rounds of at least a second', () => {
    expect(roundsFor(10, 5, 3)).toEqual({ rounds: 5, roundSeconds: 2, warmupSeconds: 3 });
    expect(roundsFor(2, 5, 0)).toEqual({ rounds: 5, roundSeconds: 1, warmupSeconds: 0 });
  });

  it('refuses zero rounds', () => {
    expect(() => roundsFor(10, 0, 3)).toThrow(/rounds must be a positive integer/);
  });
});

describe('summarize and compareRounds', () => {
  it('reports medians over the rounds and sums the counts', () => {
    const s = summarize([result(100, 10, 50), result(300, 2, 20), result(200, 5, 90, 1)]);
    expect(s.requestsPerSecond).toBe(200);
    expect(s.latencyMs.p50).toBe(5);
    expect(s.latencyMs.p99).toBe(50);
    expect(s.latencyMs.max).toBe(100);
    expect(s.requests).toBe(1200);
    expect(s.non2xx).toBe(1);
    expect(s.firstError).toBe('HTTP 500 #200');
  });

  it('compares each round with the baseline of the same round, not medians with medians', () => {
    // The machine slows down in round 2 for both: per-round ratios stay 2×, the ratio of medians would not.
    const bare = contender('bare', [result(1000, 2, 10), result(100, 20, 100), result(900, 2, 10)]);
    const spine = contender('spine', [result(2000, 1, 5), result(200, 10, 50), result(1800, 1, 5)]);
    const ratio = compareRounds(spine, bare, (c, b) => c.requestsPerSecond / b.requestsPerSecond);
    expect(ratio).toMatchObject({ median: 2, min: 2, max: 2 });
    const added = compareRounds(spine, bare, (c, b) => c.latencyMs.p50 - b.latencyMs.p50);
    expect(added.values).toEqual([-1, -10, -1]);
  });

  it('gives NaN for a round the baseline does not have', () => {
    const ratio = compareRounds(contender('a', [result(1, 1, 1), result(2, 1, 1)]), contender('b', [result(1, 1, 1)]), (c, b) => c.requestsPerSecond / b.requestsPerSecond);
    expect(ratio.values[1]).toBeNaN();
    expect(ratio.median).toBe(1);
  });
});

describe('procCpuMs', () => {
  it.runIf(process.platform === 'linux')('reads this process’s CPU time and leaves out what it cannot read', () => {
    let x = 0;
    for (let i = 0; i < 2e7; i++) x += i % 7; // spend some CPU so the figure is not 0
    const cpu = procCpuMs({ self: process.pid, gone: 2 ** 22 + 12_345, unset: undefined });
    expect(x).toBeGreaterThan(0);
    expect(Object.keys(cpu)).toEqual(['self']);
    expect(cpu['self']).toBeGreaterThan(0);
  });
});
