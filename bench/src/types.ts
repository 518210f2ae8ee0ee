import type { Spread, Verdict } from './rounds.ts';
import type { DecisionLatency } from './policy-latency.ts';

/** What the load generator process runs against one target. */
export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Measured run, in seconds. */
  durationSeconds: number;
  /** Unmeasured run before it on the same target, in seconds (0 skips). */
  warmupSeconds: number;
  /** Requests per second over all connections (autocannon `overallRate`); unset = as fast as answered. */
  overallRate?: number;
  /**
   * What a good answer is: `mcp-result` (default) a 2xx JSON-RPC result with `content` and without
   * `isError`; `rest-ok` a 2xx REST proxy envelope `{"status":"ok", …}`.
   */
  expect?: 'mcp-result' | 'rest-ok';
}

/** The measured run of one target. */
export interface LoadResult {
  requests: number;
  durationSeconds: number;
  /** Completed requests divided by the run's duration. */
  requestsPerSecond: number;
  /** From every response time, sub-millisecond (autocannon's own histogram has whole ms and no p95). */
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number };
  /** Responses that were 2xx JSON-RPC results without `isError`. */
  ok: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  rpcErrors: number;
  toolErrors: number;
  malformed: number;
  /** The first bad response, for diagnosis. */
  firstError?: string;
}

/** One row of the report. */
export interface BenchRow {
  id: string;
  label: string;
  /** The median over the rounds of each figure (counts summed); see `rounds` for each round. */
  result: LoadResult;
  /** Each measured round, in round order (interleaved with the other rows' rounds). */
  rounds: LoadResult[];
  /** Errors of any kind; a row with errors is invalid. */
  errors: number;
  valid: boolean;
  /** Median over the rounds of this row's req/s divided by the bare server's in the same round. */
  throughputRatio: number;
  /** Median over the rounds of this row's p99 divided by the bare server's in the same round. */
  p99Ratio: number;
  /** CPU time (user + system) of this row's server process per request over its rounds, in ms (Linux). */
  cpuMsPerRequest?: number;
  /** The per-round throughput ratios: median, min, max. */
  throughputSpread: Spread;
  /** The per-round p99 ratios: median, min, max. */
  p99Spread: Spread;
  /** The goal for this row, if it has one, and the verdict over the rounds. */
  goal?: RowGoal & { throughput: Verdict; p99?: Verdict };
}

/** A row's goal against the bare server of the same round. */
export interface RowGoal {
  throughputRatioAtLeast: number;
  p99RatioAtMost?: number;
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Concurrent connections of the load generator. Default 16. */
  connections: number;
  /** Measured seconds per target, split into `rounds` interleaved rounds. Default 10. */
  durationSeconds: number;
  /** Interleaved rounds (A/B/B/A…) the measured seconds are split into. Default 5. */
  rounds: number;
  /** Warm-up seconds per target before measuring. Default 3. */
  warmupSeconds: number;
  /** Target ids to run (the bare server always runs). Default: all. */
  only?: string[];
  /** A policy directory the OPA server loads instead of the built bundle. Default: `policies/dist/opa-bundle.tar.gz` (`POLICY_BUNDLE`, what every deployment loads). */
  policyDir?: string;
  /** Directory for `--cpu-prof` profiles of the server processes; unset = no profiling. */
  cpuProfileDir?: string;
}

/** Everything one `pnpm bench` run measured. */
export interface BenchReport {
  startedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    /** 1-minute load average before and after the run: other work on the machine skews every row. */
    loadAverage1m: { before: number; after: number };
  };
  options: BenchOptions;
  request: { protocolVersion: string; bare: string; spine: string };
  target: { throughputRatioAtLeast: number; p99RatioAtMost: number };
  /** Measured rounds per target and their length. */
  rounds: { rounds: number; roundSeconds: number };
  rows: BenchRow[];
  /** The policy decision on its own (Wasm in-process; the OPA server when an OPA row ran). */
  decisions: DecisionLatency[];
  valid: boolean;
}
