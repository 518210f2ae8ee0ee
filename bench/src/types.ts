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
}

/** The measured run of one target. */
export interface LoadResult {
  requests: number;
  durationSeconds: number;
  /** Completed requests divided by the run's duration. */
  requestsPerSecond: number;
  /** p95 is computed from every response time (autocannon itself reports p90 and p97.5). */
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
  result: LoadResult;
  /** Errors of any kind; a row with errors is invalid. */
  errors: number;
  valid: boolean;
  /** Throughput of this row divided by the bare server's (same run). */
  throughputRatio: number;
  /** p99 latency of this row divided by the bare server's (same run). */
  p99Ratio: number;
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Concurrent connections of the load generator. Default 16. */
  connections: number;
  /** Measured seconds per target. Default 10. */
  durationSeconds: number;
  /** Warm-up seconds per target before measuring. Default 3. */
  warmupSeconds: number;
  /** Target ids to run (the bare server always runs). Default: all. */
  only?: string[];
  /** Rego policies the OPA server loads. Default: the repository's `policies/mcp`. */
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
  rows: BenchRow[];
  /** The policy decision on its own (Wasm in-process; the OPA server when an OPA row ran). */
  decisions: DecisionLatency[];
  valid: boolean;
}
