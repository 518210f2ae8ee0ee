// `pnpm --filter @mcp-platform/mcp-gateway bench`: the gateway row on its own (BENCH_CONNECTIONS, BENCH_DURATION_SECONDS, BENCH_ROUNDS, BENCH_WARMUP_SECONDS, BENCH_CPU_PROFILE_DIR (one folder per service process),
// BENCH_GATEWAY_FAST_PATH: 0 = the gateway's SDK path, the baseline of its fast path).
import { formatGatewayReport, runGatewayBench } from './gateway-bench.ts';

const num = (name: string, dflt: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return n;
};

const report = await runGatewayBench({
  connections: num('BENCH_CONNECTIONS', 16),
  durationSeconds: num('BENCH_DURATION_SECONDS', 10),
  rounds: num('BENCH_ROUNDS', 5),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 3),
  fastPath: num('BENCH_GATEWAY_FAST_PATH', 1) !== 0,
  ...(process.env['BENCH_CPU_PROFILE_DIR'] ? { cpuProfileDir: process.env['BENCH_CPU_PROFILE_DIR'] } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${formatGatewayReport(report)}\n`);
if (!report.valid) process.exitCode = 1;
