/**
 * Interleaved rounds: the statistics that make a bench verdict repeatable on a machine whose load
 * drifts. Every contender (the baseline and each candidate) is measured in several short rounds,
 * alternating A B, B A, A B…, and a goal is judged on the median of the per-round figures (a ratio or
 * a delta against the baseline of the same round), with the spread over the rounds beside it.
 */

/** One figure over the rounds of an interleaved run. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** The per-round values, in round order. */
  values: number[];
}

/**
 * Median, minimum and maximum of per-round values (`NaN` everywhere for an empty list). The median of
 * an even count is the mean of the two middle values.
 *
 * @example
 * ```ts
 * spreadOf([1.1, 0.9, 1.0]); // { median: 1.0, min: 0.9, max: 1.1, values: [1.1, 0.9, 1.0] }
 * ```
 */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: NaN, min: NaN, max: NaN, values: [...values] };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, values: [...values] };
}

/**
 * The order in which round `round` (0-based) measures `items`: as given on even rounds, reversed on odd
 * ones (A B C, C B A, A B C…), so a load that rises or falls during a run weighs on every contender
 * alike instead of always on the one measured last.
 *
 * @example
 * ```ts
 * roundOrder(['bare', 'spine'], 1); // ['spine', 'bare']
 * ```
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (!Number.isInteger(round) || round < 0) throw new TypeError(`round must be a non-negative integer (got ${String(round)})`);
  return round % 2 === 0 ? [...items] : [...items].reverse();
}

/** A goal judged over rounds. */
export interface Verdict {
  /** The median meets the goal. */
  met: boolean;
  /** Rounds whose own value met the goal. */
  roundsMet: number;
  rounds: number;
  /** Every round agrees with the median's verdict: a rerun is unlikely to flip it. */
  settled: boolean;
}

/**
 * Judges a goal over the rounds: by the median, and settled only when every round agrees with it.
 *
 * @example
 * ```ts
 * judge(spreadOf([1.2, 0.9, 1.1]), (ratio) => ratio >= 1); // { met: true, roundsMet: 2, rounds: 3, settled: false }
 * ```
 */
export function judge(spread: Spread, meets: (value: number) => boolean): Verdict {
  const values = spread.values.filter((v) => !Number.isNaN(v));
  const roundsMet = values.filter(meets).length;
  const met = !Number.isNaN(spread.median) && meets(spread.median);
  return { met, roundsMet, rounds: values.length, settled: values.length > 0 && (met ? roundsMet === values.length : roundsMet === 0) };
}

/**
 * The verdict as the report prints it: `met (5/5 rounds met)`, `MISSED (0/5 rounds met)`, or
 * `met at the median, unsettled (3/5 rounds)` when the rounds disagree.
 *
 * @example
 * ```ts
 * formatVerdict({ met: false, roundsMet: 0, rounds: 5, settled: true }); // 'MISSED (0/5 rounds met)'
 * ```
 */
export function formatVerdict(v: Verdict): string {
  const rounds = `${String(v.roundsMet)}/${String(v.rounds)} rounds`;
  if (v.rounds === 0) return 'not measured';
  if (v.settled) return `${v.met ? 'met' : 'MISSED'} (${rounds} met)`;
  return `${v.met ? 'met' : 'MISSED'} at the median, unsettled (${rounds} met)`;
}

/**
 * `median [min–max]` with `digits` decimals and a unit suffix (`×`, ` ms`).
 *
 * @example
 * ```ts
 * formatSpread(spreadOf([0.9, 1.0, 1.1]), 2, '×'); // '1.00× [0.90–1.10]'
 * ```
 */
export function formatSpread(s: Spread, digits: number, unit: string): string {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  return `${f(s.median)}${unit} [${f(s.min)}–${f(s.max)}]`;
}
