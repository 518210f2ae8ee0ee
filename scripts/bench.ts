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
 *   BENCH_TARGETS=a,b           only these spine rows (ids in the table); the bare server always runs; `none` skips the spine table (bare included)
 *   BENCH_POLICY_DIR=path       a policy directory the OPA server loads instead of the built bundle (default policies/dist/opa-bundle.tar.gz)
 *   BENCH_CPU_PROFILE=1         write a --cpu-prof profile of each server process to bench/results/profiles/ (front rows: every service process)
 *   BENCH_FRONTS=a,b            only these front rows: `rest-proxy`, `gateway` (default both); `none` skips them
 *   BENCH_PROXY=0               skip the REST proxy rows (get_device directly over MCP vs through the proxy); same as leaving `rest-proxy` out of BENCH_FRONTS
 *   BENCH_GATEWAY=0             skip the MCP gateway rows (get_device directly vs network__get_device through the gateway); same as leaving `gateway` out of BENCH_FRONTS
 *   BENCH_FAIRNESS=0            skip the fair-share row (a second user's p50 under one user's flood vs quiet)
 *   BENCH_FLOOD_CONNECTIONS=200 connections of the flooding user in the fair-share row
 *
 * Exits 1 when any row saw an error response (the run is invalid), never because of the ratios.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
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

/** The front rows `BENCH_FRONTS` selects (`BENCH_PROXY=0` / `BENCH_GATEWAY=0` still leave one out). */
function frontsSelected(): Set<string> {
  const known = ['rest-proxy', 'gateway'];
  const raw = process.env['BENCH_FRONTS'];
  const picked = raw === undefined || raw === '' ? known : raw === 'none' ? [] : raw.split(',').map((s) => s.trim());
  const unknown = picked.filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new TypeError(`BENCH_FRONTS names unknown front row(s) ${unknown.join(', ')} (known: ${known.join(', ')}, or none)`);
  const fronts = new Set(picked);
  if (process.env['BENCH_PROXY'] === '0') fronts.delete('rest-proxy');
  if (process.env['BENCH_GATEWAY'] === '0') fronts.delete('gateway');
  return fronts;
}

async function main(): Promise<void> {
  const only = process.env['BENCH_TARGETS'];
  const fronts = frontsSelected();
  const profiles = process.env['BENCH_CPU_PROFILE'] === '1' ? join(resultsDir, 'profiles') : undefined;
  const options = {
    connections: positiveInt('BENCH_CONNECTIONS', 16),
    durationSeconds: positiveInt('BENCH_DURATION_SECONDS', 10),
    rounds: positiveInt('BENCH_ROUNDS', 5),
    warmupSeconds: positiveInt('BENCH_WARMUP_SECONDS', 3),
    ...(only ? { only: only.split(',').map((s) => s.trim()) } : {}),
    ...(process.env['BENCH_POLICY_DIR'] ? { policyDir: process.env['BENCH_POLICY_DIR'] } : {}),
    ...(profiles ? { cpuProfileDir: profiles } : {}),
  };
  if (options.connections < 1 || options.durationSeconds < 1 || options.rounds < 1) throw new TypeError('BENCH_CONNECTIONS, BENCH_DURATION_SECONDS and BENCH_ROUNDS must be at least 1');
  const opaBin = await ensureOpa();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const loadBefore = loadavg()[0] ?? 0;
  const report = only === 'none' ? undefined : await runBench(options, progress, opaBin);
  const frontPlan = { connections: options.connections, durationSeconds: options.durationSeconds, rounds: options.rounds, warmupSeconds: options.warmupSeconds, log: progress };
  const proxy: ProxyBenchReport | undefined = fronts.has('rest-proxy') ? await runProxyBench({ ...frontPlan, ...(profiles ? { cpuProfileDir: join(profiles, 'rest-proxy-row') } : {}) }) : undefined;
  const gateway: GatewayBenchReport | undefined = fronts.has('gateway') ? await runGatewayBench({ ...frontPlan, ...(profiles ? { cpuProfileDir: join(profiles, 'gateway-row') } : {}) }) : undefined;
  const fairness: FairnessReport | undefined =
    process.env['BENCH_FAIRNESS'] === '0'
      ? undefined
      : await runFairnessBench(
          { durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, floodConnections: positiveInt('BENCH_FLOOD_CONNECTIONS', 200) },
          progress,
        );
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ ...report, ...(proxy ? { proxy } : {}), ...(gateway ? { gateway } : {}), ...(fairness ? { fairness } : {}) }, null, 2)}\n`);
  const cpu = cpus();
  process.stdout.write(
    [
      '',
      `pnpm bench — ${report?.startedAt ?? new Date().toISOString()} — ${cpu.length} × ${cpu[0]?.model ?? 'unknown'}, Node ${process.version}, load average (1 min) ${loadBefore.toFixed(2)} before / ${(loadavg()[0] ?? 0).toFixed(2)} after`,
      `autocannon: ${options.connections} connections, ${options.warmupSeconds}s warm-up + ${options.durationSeconds}s measured per target in ${options.rounds} interleaved rounds, load generator and servers in separate processes`,
      ...(report
        ? [
            `request: MCP-Protocol-Version ${report.request.protocolVersion}; bare: ${report.request.bare}; spine: ${report.request.spine}`,
            '',
            formatTable(report),
            '',
            ...report.rows.filter((r) => !r.valid).map((r) => `INVALID ${r.id}: ${r.errors} error(s); first: ${r.result.firstError ?? '(socket error or timeout)'}`),
          ]
        : ['spine table skipped (BENCH_TARGETS=none)']),
      ...(proxy ? ['', formatProxyReport(proxy)] : []),
      ...(gateway ? ['', formatGatewayReport(gateway)] : []),
      ...(fairness ? ['', formatFairness(fairness)] : []),
      `JSON: ${join('bench', 'results', 'latest.json')}`,
      '',
    ].join('\n'),
  );
  if ((report !== undefined && !report.valid) || (proxy !== undefined && !proxy.valid) || (gateway !== undefined && !gateway.valid) || (fairness !== undefined && !fairness.valid)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
