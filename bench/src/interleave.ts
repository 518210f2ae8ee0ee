/**
 * Runs contenders (a baseline and candidates, each a request shape against an already started server)
 * in interleaved rounds from one load-generator process: one warm-up each, then `rounds` short
 * measured rounds in alternating order (see {@link roundOrder}). The one runner behind every row of
 * `pnpm bench` that compares a candidate with a baseline.
 */
import { readFileSync } from 'node:fs';
import { LOAD_PROCESS, ask, exited, forkChild } from './processes.ts';
import { roundOrder, spreadOf, type Spread } from './rounds.ts';
import type { LoadJob, LoadResult } from './types.ts';

/** One request shape to measure. */
export interface Contender {
  id: string;
  job: Omit<LoadJob, 'durationSeconds' | 'warmupSeconds'>;
}

/** How long and how often. */
export interface RoundsOptions {
  /** Measured rounds per contender (≥ 1). */
  rounds: number;
  /** Measured seconds of one round (≥ 1). */
  roundSeconds: number;
  /** Unmeasured seconds per contender before the first round (0 skips). */
  warmupSeconds: number;
}

/** Every measured round of one contender, plus the figures over them. */
export interface RoundsResult {
  id: string;
  /** One result per round, in round order. */
  rounds: LoadResult[];
  /** Median over the rounds of req/s and of each percentile; counts summed. */
  summary: LoadResult;
  /**
   * CPU time (user + system) each watched process spent per request of this contender, in ms, over
   * all its measured rounds (see `cpuWatch` of {@link runRounds}); less sensitive to other work on the
   * machine than latency is.
   */
  cpuMsPerRequest?: Record<string, number>;
}

/** Reads the CPU time each watched process has used so far, in ms (e.g. {@link procCpuMs}). */
export type CpuWatch = () => Record<string, number>;

/**
 * CPU time (user + system) used so far by each process, in ms, from `/proc/<pid>/stat` (Linux);
 * a process that cannot be read is left out.
 *
 * @example
 * ```ts
 * const watch = () => procCpuMs({ gateway: gatewayPid });
 * ```
 */
export function procCpuMs(pids: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  for (const [name, pid] of Object.entries(pids)) {
    if (pid === undefined) continue;
    try {
      // Fields after the `(comm)`: state is [0], utime [11], stime [12] (proc(5)).
      const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const ms = (Number(fields[11]) + Number(fields[12])) * tick;
      if (Number.isFinite(ms)) out[name] = ms;
    } catch {
      // not Linux, or the process is gone: no figure rather than a wrong one
    }
  }
  return out;
}

/**
 * Splits a measured time into rounds: `rounds` rounds of `durationSeconds / rounds` (at least 1 s each).
 *
 * @example
 * ```ts
 * roundsFor(10, 5, 3); // { rounds: 5, roundSeconds: 2, warmupSeconds: 3 }
 * ```
 */
export function roundsFor(durationSeconds: number, rounds: number, warmupSeconds: number): RoundsOptions {
  if (!Number.isInteger(rounds) || rounds < 1) throw new TypeError(`rounds must be a positive integer (got ${String(rounds)})`);
  return { rounds, roundSeconds: Math.max(1, Math.round(durationSeconds / rounds)), warmupSeconds };
}

function errorsOf(r: LoadResult): number {
  return r.non2xx + r.socketErrors + r.timeouts + r.rpcErrors + r.toolErrors + r.malformed;
}

/**
 * The figures of one contender over its rounds: the median per figure (req/s, p50…max) and the
 * summed counts; `firstError` of the first round that had one.
 *
 * @example
 * ```ts
 * const s = summarize(results); // s.latencyMs.p50 is the median of the rounds' p50s
 * ```
 */
export function summarize(rounds: readonly LoadResult[]): LoadResult {
  const med = (pick: (r: LoadResult) => number) => spreadOf(rounds.map(pick)).median;
  const sum = (pick: (r: LoadResult) => number) => rounds.reduce((n, r) => n + pick(r), 0);
  const firstError = rounds.find((r) => r.firstError !== undefined)?.firstError;
  return {
    requests: sum((r) => r.requests),
    durationSeconds: sum((r) => r.durationSeconds),
    requestsPerSecond: med((r) => r.requestsPerSecond),
    latencyMs: {
      p50: med((r) => r.latencyMs.p50),
      p90: med((r) => r.latencyMs.p90),
      p95: med((r) => r.latencyMs.p95),
      p99: med((r) => r.latencyMs.p99),
      max: Math.max(...rounds.map((r) => r.latencyMs.max)),
      mean: med((r) => r.latencyMs.mean),
    },
    ok: sum((r) => r.ok),
    non2xx: sum((r) => r.non2xx),
    socketErrors: sum((r) => r.socketErrors),
    timeouts: sum((r) => r.timeouts),
    rpcErrors: sum((r) => r.rpcErrors),
    toolErrors: sum((r) => r.toolErrors),
    malformed: sum((r) => r.malformed),
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

/** Errors of any kind over all rounds of a contender. */
export function errorCount(r: RoundsResult): number {
  return r.rounds.reduce((n, x) => n + errorsOf(x), 0);
}

/**
 * A per-round comparison of `candidate` with `baseline` (same round, so the same machine moment):
 * `ratio` of req/s, of p99, or the `delta` of p50 in ms.
 *
 * @example
 * ```ts
 * const tput = compareRounds(spine, bare, (c, b) => c.requestsPerSecond / b.requestsPerSecond);
 * ```
 */
export function compareRounds(candidate: RoundsResult, baseline: RoundsResult, figure: (c: LoadResult, b: LoadResult) => number): Spread {
  return spreadOf(candidate.rounds.map((c, i) => {
    const b = baseline.rounds[i];
    return b === undefined ? NaN : figure(c, b);
  }));
}

/**
 * Measures `contenders` in interleaved rounds with one forked load generator and returns their
 * rounds by id. Each contender's server must already be listening.
 *
 * @example
 * ```ts
 * const [bare, spine] = await runRounds([{ id: 'bare', job: bareJob }, { id: 'spine', job: spineJob }], { rounds: 5, roundSeconds: 2, warmupSeconds: 3 });
 * ```
 */
export async function runRounds(contenders: readonly Contender[], options: RoundsOptions, log: (line: string) => void = () => {}, cpuWatch?: CpuWatch): Promise<RoundsResult[]> {
  if (options.roundSeconds < 1) throw new TypeError(`roundSeconds must be at least 1 (got ${String(options.roundSeconds)})`);
  const load = forkChild(LOAD_PROCESS);
  const byId = new Map<string, LoadResult[]>(contenders.map((c) => [c.id, []]));
  const cpuById = new Map<string, Record<string, number>>(contenders.map((c) => [c.id, {}]));
  try {
    const measure = async (c: Contender, warmupSeconds: number, durationSeconds: number) =>
      (await ask<{ result: LoadResult }>(load, { type: 'run', job: { ...c.job, warmupSeconds, durationSeconds } }, `loading ${c.id}`)).result;
    // Warm-up: a run per contender whose result is thrown away (JIT, connection pools, caches).
    if (options.warmupSeconds > 0) for (const c of contenders) await measure(c, 0, options.warmupSeconds);
    for (let round = 0; round < options.rounds; round++) {
      const order = roundOrder(contenders, round);
      for (const c of order) {
        const before = cpuWatch?.();
        byId.get(c.id)?.push(await measure(c, 0, options.roundSeconds));
        const after = cpuWatch?.();
        const acc = cpuById.get(c.id) ?? {};
        for (const [proc, ms] of Object.entries(after ?? {})) {
          const start = before?.[proc];
          if (start !== undefined) acc[proc] = (acc[proc] ?? 0) + (ms - start);
        }
      }
      log(`  round ${String(round + 1)}/${String(options.rounds)}: ${order.map((c) => `${c.id} ${(byId.get(c.id)?.at(-1)?.requestsPerSecond ?? NaN).toFixed(0)} req/s`).join(', ')}`);
    }
  } finally {
    load.disconnect();
    await exited(load);
  }
  return contenders.map((c) => {
    const rounds = byId.get(c.id) ?? [];
    const summary = summarize(rounds);
    const cpu = Object.entries(cpuById.get(c.id) ?? {});
    // Every response counts as a request the processes served (errors too: they cost CPU as well).
    const served = rounds.reduce((n, r) => n + r.requests, 0);
    return {
      id: c.id,
      rounds,
      summary,
      ...(cpuWatch && served > 0 && cpu.length > 0 ? { cpuMsPerRequest: Object.fromEntries(cpu.map(([proc, ms]) => [proc, ms / served])) } : {}),
    };
  });
}
