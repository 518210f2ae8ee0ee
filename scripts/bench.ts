/**
 * `pnpm bench` — the bare MCP SDK server and mcp-network on the full spine,
 * under the same load generator, connections and duration, in one run; prints
 * req/s, p50/p99 and the ratios against the bare server, and writes the same
 * as JSON to `bench/results/latest.json`. See docs/benchmarks.md.
 *
 *   BENCH_CONNECTIONS=16        concurrent connections (autocannon)
 *   BENCH_DURATION_SECONDS=10   measured seconds per target, split into BENCH_ROUNDS interleaved rounds
 *   BENCH_ROUNDS=5              interleaved rounds (bare, spine…, then reversed, …); ratios per round, median + spread
 *   BENCH_WARMUP_SECONDS=3      unmeasured warm-up per target
 *   BENCH_TARGETS=a,b           only these spine rows (ids in the table); the bare server always runs
 *   BENCH_POLICY_DIR=path       Rego the OPA server loads (default policies/mcp)
 *   BENCH_CPU_PROFILE=1         write a --cpu-prof profile of each server process to bench/results/profiles/
 *   BENCH_PROXY=0               skip the REST proxy rows (get_device directly over MCP vs through the proxy)
 *   BENCH_GATEWAY=0             skip the MCP gateway rows (get_device directly vs network__get_device through the gateway)
 *   BENCH_FAIRNESS=0            skip the fair-share row (a second user's p50 under one user's flood vs quiet)
 *   BENCH_FLOOD_CONNECTIONS=200 connections of the flooding user in the fair-share row
 *
 * Exits 1 when any row saw an error response (the run is invalid), never because of the ratios.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFairness, runFairnessBench, type FairnessReport } from '@mcp-platform/bench/fairness';
import { formatTable, runBench } from '@mcp-platform/bench';
import { formatGatewayReport, runGatewayBench, type GatewayBenchReport } from '@mcp-platform/mcp-gateway/bench';
import { formatProxyReport, runProxyBench, type ProxyBenchReport } from '@mcp-platform/rest-proxy/bench';
import { ensureOpa } from '@mcp-platform/tooling/opa';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');

function positiveInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`${name} must be a non-negative integer (got "${raw}")`);
  return n;
}

async function main(): Promise<void> {
  const only = process.env['BENCH_TARGETS'];
  const options = {
    connections: positiveInt('BENCH_CONNECTIONS', 16),
    durationSeconds: positiveInt('BENCH_DURATION_SECONDS', 10),
    rounds: positiveInt('BENCH_ROUNDS', 5),
    warmupSeconds: positiveInt('BENCH_WARMUP_SECONDS', 3),
    ...(only ? { only: only.split(',').map((s) => s.trim()) } : {}),
    ...(process.env['BENCH_POLICY_DIR'] ? { policyDir: process.env['BENCH_POLICY_DIR'] } : {}),
    ...(process.env['BENCH_CPU_PROFILE'] === '1' ? { cpuProfileDir: join(resultsDir, 'profiles') } : {}),
  };
  if (options.connections < 1 || options.durationSeconds < 1 || options.rounds < 1) throw new TypeError('BENCH_CONNECTIONS, BENCH_DURATION_SECONDS and BENCH_ROUNDS must be at least 1');
  const opaBin = await ensureOpa();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const report = await runBench(options, progress, opaBin);
  const proxy: ProxyBenchReport | undefined =
    process.env['BENCH_PROXY'] === '0'
      ? undefined
      : await runProxyBench({ connections: options.connections, durationSeconds: options.durationSeconds, rounds: options.rounds, warmupSeconds: options.warmupSeconds, log: progress });
  const gateway: GatewayBenchReport | undefined =
    process.env['BENCH_GATEWAY'] === '0'
      ? undefined
      : await runGatewayBench({ connections: options.connections, durationSeconds: options.durationSeconds, rounds: options.rounds, warmupSeconds: options.warmupSeconds, log: progress });
  const fairness: FairnessReport | undefined =
    process.env['BENCH_FAIRNESS'] === '0'
      ? undefined
      : await runFairnessBench(
          { durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, floodConnections: positiveInt('BENCH_FLOOD_CONNECTIONS', 200) },
          progress,
        );
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ ...report, ...(proxy ? { proxy } : {}), ...(gateway ? { gateway } : {}), ...(fairness ? { fairness } : {}) }, null, 2)}\n`);
  const m = report.machine;
  process.stdout.write(
    [
      '',
      `pnpm bench — ${report.startedAt} — ${m.cpus} × ${m.cpuModel}, Node ${m.node}, load average (1 min) ${m.loadAverage1m.before.toFixed(2)} before / ${m.loadAverage1m.after.toFixed(2)} after`,
      `autocannon: ${options.connections} connections, ${options.warmupSeconds}s warm-up + ${options.durationSeconds}s measured per target in ${options.rounds} interleaved rounds, load generator and servers in separate processes`,
      `request: MCP-Protocol-Version ${report.request.protocolVersion}; bare: ${report.request.bare}; spine: ${report.request.spine}`,
      '',
      formatTable(report),
      '',
      ...report.rows.filter((r) => !r.valid).map((r) => `INVALID ${r.id}: ${r.errors} error(s); first: ${r.result.firstError ?? '(socket error or timeout)'}`),
      ...(proxy ? ['', formatProxyReport(proxy)] : []),
      ...(gateway ? ['', formatGatewayReport(gateway)] : []),
      ...(fairness ? ['', formatFairness(fairness)] : []),
      `JSON: ${join('bench', 'results', 'latest.json')}`,
      '',
    ].join('\n'),
  );
  if (!report.valid || (proxy !== undefined && !proxy.valid) || (gateway !== undefined && !gateway.valid) || (fairness !== undefined && !fairness.valid)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
