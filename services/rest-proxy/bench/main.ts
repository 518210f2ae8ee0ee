// `pnpm --filter @mcp-platform/rest-proxy bench`: the proxy row on its own (BENCH_CONNECTIONS, BENCH_DURATION_SECONDS, BENCH_WARMUP_SECONDS).
import { runProxyBench } from './proxy-bench.ts';

const num = (name: string, dflt: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return n;
};

const report = await runProxyBench({
  connections: num('BENCH_CONNECTIONS', 16),
  durationSeconds: num('BENCH_DURATION_SECONDS', 10),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 3),
  ...(process.env['BENCH_CPU_PROFILE_DIR'] ? { cpuProfileDir: process.env['BENCH_CPU_PROFILE_DIR'] } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
const fmt = (r: (typeof report.rows)[number]) =>
  `${r.id.padEnd(12)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${String(r.latencyMs.p50).padStart(4)} ms  p99 ${String(r.latencyMs.p99).padStart(4)} ms  errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`;
process.stdout.write(
  [...report.rows.map(fmt), `proxy adds p50 ${report.addedP50Ms} ms, p99 ${report.addedP99Ms} ms; throughput ratio ${report.throughputRatio.toFixed(2)} (target: ≤ 1 ms added at p50)`, ''].join('\n'),
);
if (!report.valid) process.exitCode = 1;
