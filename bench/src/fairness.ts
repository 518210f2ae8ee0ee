import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { freePort } from '@mcp-platform/test-support';
import { LOAD_PROCESS, SERVER_PROCESS, ask, exited, forkChild, headersFor, rpcBody } from './processes.ts';
import { BENCH_DEVICE_ID } from './targets/spine.ts';
import type { TargetSpec } from './targets/types.ts';
import type { LoadJob, LoadResult } from './types.ts';

/** The issue's target: a second user's p50 under one user's flood stays within 2× of its quiet p50. */
export const FAIRNESS_TARGET = { p50RatioAtMost: 2 } as const;

/** Options of {@link runFairnessBench}. */
export interface FairnessOptions {
  /** Measured seconds of each phase (quiet, flood). */
  durationSeconds: number;
  /** Unmeasured seconds before the quiet phase. */
  warmupSeconds: number;
  /** Concurrent connections of the flooding user. Default 200. */
  floodConnections?: number;
}

/** What {@link runFairnessBench} measured. */
export interface FairnessReport {
  /** Who floods, who is measured, with what. */
  request: { flood: string; victim: string };
  floodConnections: number;
  /** The victim alone. */
  quiet: LoadResult;
  /** The victim while the flood runs. */
  underFlood: LoadResult;
  /** The flood itself: most of it refused (429) by the per-principal limits. */
  flood: LoadResult;
  /** underFlood p50 / quiet p50 (same run, same server process). */
  p50Ratio: number;
  target: typeof FAIRNESS_TARGET;
  /** The victim saw no error in either phase. */
  valid: boolean;
}

const FLOOD_USER = 'nina';
const VICTIM_USER = 'alice';

function errorsOf(r: LoadResult): number {
  return r.non2xx + r.socketErrors + r.timeouts + r.rpcErrors + r.toolErrors + r.malformed;
}

/**
 * The fair-share row of `pnpm bench`: mcp-network on the spine with the
 * platform's default per-principal limits (Wasm policy, Catalyst simulator).
 * Phase 1: a second user alone, one connection, `get_device` at 25 req/s (inside its own limit) — its quiet p50.
 * Phase 2: the same user again while another user floods with
 * `list_devices {limit: 500}` on 200 connections — its p50 under flood.
 * The ratio of the two is the result (target ≤ 2×); the load generators run in
 * their own processes, the server in another.
 *
 * @example
 * ```ts
 * const r = await runFairnessBench({ durationSeconds: 10, warmupSeconds: 3 }, console.log);
 * console.log(r.p50Ratio);
 * ```
 */
/** Requests per second of the measured user: well inside the default per-principal rate (50/s). */
const VICTIM_RATE = 25;

export async function runFairnessBench(options: FairnessOptions, log: (line: string) => void = () => {}): Promise<FairnessReport> {
  const floodConnections = options.floodConnections ?? 200;
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}/mcp`;
  const idp = await startIdentityProvider({ port: 0, resourceServers: [...SEED_RESOURCE_SERVERS, { url, name: 'bench fairness' }] });
  const server = forkChild(SERVER_PROCESS);
  const loads = [forkChild(LOAD_PROCESS), forkChild(LOAD_PROCESS)];
  const [victimLoad, floodLoad] = loads as [ReturnType<typeof forkChild>, ReturnType<typeof forkChild>];
  try {
    const spec: TargetSpec = { kind: 'spine', port, authz: 'wasm', upstream: 'simulator', issuer: idp.issuer, opaUrl: 'http://127.0.0.1:1', limits: 'default' };
    await ask<{ url: string }>(server, { type: 'start', spec }, 'starting the fairness target');
    const victimToken = await idp.issueToken({ user: VICTIM_USER, audience: url, ttlSeconds: 3_600 });
    const floodToken = await idp.issueToken({ user: FLOOD_USER, audience: url, ttlSeconds: 3_600 });
    const victim = (warmupSeconds: number, durationSeconds: number): LoadJob => ({
      url,
      headers: headersFor(victimToken),
      body: rpcBody('get_device', { device_id: BENCH_DEVICE_ID }),
      connections: 1,
      // Within the victim's own allowance (RATE_LIMIT_PER_SECOND 50 by default): an unpaced connection on a
      // quiet machine runs faster than that and meets its own limit, which is not what this row measures.
      overallRate: VICTIM_RATE,
      durationSeconds,
      warmupSeconds,
    });
    log(`bench: fairness — ${VICTIM_USER} alone (1 connection, get_device at ${String(VICTIM_RATE)} req/s), ${options.durationSeconds}s`);
    const { result: quiet } = await ask<{ result: LoadResult }>(victimLoad, { type: 'run', job: victim(options.warmupSeconds, options.durationSeconds) }, 'quiet phase');
    log(`bench: fairness — ${FLOOD_USER} floods (${floodConnections} connections, list_devices limit 500) while ${VICTIM_USER} is measured again`);
    const floodJob: LoadJob = {
      url,
      headers: headersFor(floodToken),
      body: rpcBody('list_devices', { limit: 500 }),
      connections: floodConnections,
      // The flood starts first and ends last: the victim's whole measured phase is under flood.
      durationSeconds: options.durationSeconds + 2,
      warmupSeconds: 0,
    };
    const flooding = ask<{ result: LoadResult }>(floodLoad, { type: 'run', job: floodJob }, 'flood');
    await new Promise((r) => setTimeout(r, 1_000));
    const { result: underFlood } = await ask<{ result: LoadResult }>(victimLoad, { type: 'run', job: victim(0, options.durationSeconds) }, 'victim under flood');
    const { result: flood } = await flooding;
    const p50Ratio = quiet.latencyMs.p50 > 0 ? underFlood.latencyMs.p50 / quiet.latencyMs.p50 : Number.NaN;
    return {
      request: { flood: `tools/call list_devices {"limit":500} as ${FLOOD_USER}`, victim: `tools/call get_device {"device_id":"${BENCH_DEVICE_ID}"} as ${VICTIM_USER}` },
      floodConnections,
      quiet,
      underFlood,
      flood,
      p50Ratio,
      target: FAIRNESS_TARGET,
      valid: errorsOf(quiet) === 0 && errorsOf(underFlood) === 0,
    };
  } finally {
    for (const l of loads) l.disconnect();
    if (server.connected) server.send({ type: 'stop' });
    const killer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    await Promise.all([exited(server), ...loads.map(exited)]);
    clearTimeout(killer);
    await idp.stop();
  }
}

/**
 * The fairness row as text.
 *
 * @example
 * ```ts
 * process.stdout.write(formatFairness(report) + '\n');
 * ```
 */
export function formatFairness(r: FairnessReport): string {
  const p = (x: LoadResult) => `p50 ${x.latencyMs.p50.toFixed(1)} ms, p99 ${x.latencyMs.p99.toFixed(1)} ms, ${x.requestsPerSecond.toFixed(0)} req/s, errors ${String(errorsOf(x))}`;
  return [
    `Fair share (mcp-network, default per-principal limits, same run): ${r.request.victim} while ${r.request.flood} on ${String(r.floodConnections)} connections`,
    `  quiet:       ${p(r.quiet)}`,
    `  under flood: ${p(r.underFlood)}`,
    `  flood:       ${r.flood.ok} answered, ${r.flood.non2xx} refused (429/503), ${r.flood.requestsPerSecond.toFixed(0)} req/s`,
    `  p50 under flood / quiet p50 = ${Number.isFinite(r.p50Ratio) ? r.p50Ratio.toFixed(2) : '-'}× (target ≤ ${r.target.p50RatioAtMost.toFixed(1)}×)${r.valid ? '' : ' — INVALID: the measured user saw errors'}`,
  ].join('\n');
}
