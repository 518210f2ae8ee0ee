/**
 * Shared pieces of the "same tool, directly vs through a front" bench rows (the REST proxy's and the
 * MCP gateway's): start a service of this repository as its own process, and measure the direct and
 * the fronted request in interleaved rounds with the bench's one load generator, checking every
 * response body.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compareRounds, errorCount, runRounds, type Contender, type CpuWatch, type RoundsOptions, type RoundsResult } from './interleave.ts';
import { formatSpread, type Spread } from './rounds.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts `file` (a `src/main.ts` of this repository) with plain `node` (its built-in type stripping, as the
 * service images run it: docker/service.Dockerfile), a clean environment plus
 * `env` (`LOG_LEVEL=info`, the services' production default — the REST proxy's per-request line and every
 * other `info` line are part of what a row measures), and resolves once `ready` answers 2xx (60 s at most).
 *
 * @example
 * ```ts
 * const p = await startServiceProcess('services/mcp-network/src/main.ts', { PORT: '8101' }, 'http://127.0.0.1:8101/readyz');
 * ```
 */
export function startServiceProcess(file: string, env: Record<string, string>, ready: string, profileDir?: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), file], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) throw new Error(`${file} exited: ${err}`);
      if (await fetch(ready, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false)) return p;
      await new Promise((r) => setTimeout(r, 200));
    }
    p.kill('SIGKILL');
    throw new Error(`${file} not ready at ${ready}: ${err}`);
  })();
}

/** One request shape of a front comparison. */
export interface FrontRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** What a good answer is (see `LoadJob.expect`). Default `mcp-result`. */
  expect?: 'mcp-result' | 'rest-ok';
}

/** The direct and the fronted request measured at one connection count, in interleaved rounds. */
export interface FrontLevel {
  connections: number;
  direct: RoundsResult;
  front: RoundsResult;
  /** Per round: front p50 minus direct p50, in ms. */
  addedP50Ms: Spread;
  /** Per round: front p99 minus direct p99, in ms. */
  addedP99Ms: Spread;
  /** Per round: front req/s divided by direct req/s. */
  throughputRatio: Spread;
  /** Bad responses over both contenders' rounds. */
  errors: number;
  firstError?: string;
}

/**
 * Measures `direct` and `front` (the same tool, once straight to the server and once through a
 * front such as the REST proxy or the MCP gateway) at each connection count in `connections`, in
 * interleaved rounds (see `runRounds`), and compares them round by round.
 *
 * @example
 * ```ts
 * const [one, many] = await compareFront(direct, viaProxy, [1, 16], { rounds: 5, roundSeconds: 2, warmupSeconds: 3 }, log);
 * console.log(one.addedP50Ms.median);
 * ```
 */
export async function compareFront(
  direct: FrontRequest,
  front: FrontRequest,
  connections: readonly number[],
  plan: RoundsOptions,
  log: (line: string) => void = () => {},
  cpuWatch?: CpuWatch,
): Promise<FrontLevel[]> {
  const levels: FrontLevel[] = [];
  for (const n of connections) {
    log(`bench: direct vs front at ${String(n)} connection(s), ${String(plan.rounds)} rounds of ${String(plan.roundSeconds)}s`);
    const job = (r: FrontRequest): Contender['job'] => ({ url: r.url, headers: r.headers, body: r.body, connections: n, ...(r.expect ? { expect: r.expect } : {}) });
    const [d, f] = (await runRounds([{ id: 'direct', job: job(direct) }, { id: 'front', job: job(front) }], plan, log, cpuWatch)) as [RoundsResult, RoundsResult];
    const firstError = d.summary.firstError ?? f.summary.firstError;
    levels.push({
      connections: n,
      direct: d,
      front: f,
      addedP50Ms: compareRounds(f, d, (x, y) => x.latencyMs.p50 - y.latencyMs.p50),
      addedP99Ms: compareRounds(f, d, (x, y) => x.latencyMs.p99 - y.latencyMs.p99),
      throughputRatio: compareRounds(f, d, (x, y) => x.requestsPerSecond / y.requestsPerSecond),
      errors: errorCount(d) + errorCount(f),
      ...(firstError !== undefined ? { firstError } : {}),
    });
  }
  return levels;
}

/**
 * One level as report lines: both rows (median req/s, p50, p99 over the rounds) and the per-round
 * comparison with its spread.
 *
 * @example
 * ```ts
 * process.stdout.write(formatFrontLevel(level, 'mcp-network directly', 'through the proxy').join('\n'));
 * ```
 */
export function formatFrontLevel(level: FrontLevel, directLabel: string, frontLabel: string): string[] {
  const row = (label: string, r: RoundsResult) =>
    `  ${`${label}, ${String(level.connections)} conn.`.padEnd(48)} ${r.summary.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${r.summary.latencyMs.p50.toFixed(2).padStart(7)} ms  p99 ${r.summary.latencyMs.p99.toFixed(2).padStart(7)} ms  errors ${String(errorCount(r))}`;
  const cpu = (r: RoundsResult) =>
    r.cpuMsPerRequest
      ? Object.entries(r.cpuMsPerRequest)
          .map(([proc, ms]) => `${proc} ${ms.toFixed(2)}`)
          .join(', ')
      : undefined;
  const cpuLine = cpu(level.direct) !== undefined || cpu(level.front) !== undefined ? [`  CPU ms per request (user+system, per process): direct — ${cpu(level.direct) ?? '-'}; through the front — ${cpu(level.front) ?? '-'}`] : [];
  return [
    row(directLabel, level.direct),
    row(frontLabel, level.front),
    ...cpuLine,
    `  adds ${formatSpread(level.addedP50Ms, 2, ' ms')} at p50, ${formatSpread(level.addedP99Ms, 2, ' ms')} at p99; throughput ${formatSpread(level.throughputRatio, 2, '×')} direct` +
      (level.firstError ? ` — first error: ${level.firstError}` : ''),
  ];
}
