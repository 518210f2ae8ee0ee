import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { freePort, startOpa } from '@mcp-platform/test-support';
import { BENCH_DEVICE_ID } from './targets/spine.ts';
import type { AuthzEngine, TargetSpec, Upstream } from './targets/types.ts';
import { LOAD_PROCESS, PROTOCOL_VERSION, SERVER_PROCESS, ask, exited, forkChild, headersFor, rpcBody } from './processes.ts';
import type { BenchOptions, BenchReport, BenchRow, LoadJob, LoadResult } from './types.ts';
import { DECISION_TARGET, measureDecisionLatency, type DecisionLatency } from './policy-latency.ts';

export type { BenchOptions, BenchReport, BenchRow, LoadResult } from './types.ts';

/** The issue's target for the spine against the bare server. */
export const TARGET = { throughputRatioAtLeast: 1.0, p99RatioAtMost: 1.2 } as const;

const POLICY_DIR = fileURLToPath(new URL('../../policies/mcp', import.meta.url));
/** The seeded network engineer: a non-admin caller the policy really has to evaluate. */
const BENCH_USER = 'nina';

interface SpineTarget {
  id: string;
  label: string;
  authz: AuthzEngine;
  upstream: Upstream;
}

/** The spine rows, in the order they run (after the bare server). */
export const SPINE_TARGETS: readonly SpineTarget[] = [
  { id: 'spine-wasm-inproc', label: 'spine, Wasm policy, upstream in-process', authz: 'wasm', upstream: 'in-process' },
  { id: 'spine-opa-inproc', label: 'spine, OPA server, upstream in-process', authz: 'opa', upstream: 'in-process' },
  { id: 'network-wasm-sim', label: 'mcp-network, Wasm policy, Catalyst simulator', authz: 'wasm', upstream: 'simulator' },
  { id: 'network-opa-sim', label: 'mcp-network, OPA server, Catalyst simulator', authz: 'opa', upstream: 'simulator' },
];

const BARE = { id: 'bare-sdk', label: 'bare SDK (createMcpHandler + express)' } as const;

async function measure(spec: TargetSpec, job: Omit<LoadJob, 'url'>, options: BenchOptions, log: (line: string) => void, id: string): Promise<LoadResult> {
  // One folder per target: every thread (tsx's loader worker too) writes its own profile; the main thread's is the largest.
  const profileArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, id)}`] : [];
  const server = forkChild(SERVER_PROCESS, profileArgs);
  const load = forkChild(LOAD_PROCESS);
  try {
    const { url } = await ask<{ url: string }>(server, { type: 'start', spec }, `starting ${id}`);
    log(`  ${id}: ${url} — warm-up ${job.warmupSeconds}s, measuring ${job.durationSeconds}s at ${job.connections} connections`);
    const { result } = await ask<{ result: LoadResult }>(load, { type: 'run', job: { ...job, url } }, `loading ${id}`);
    return result;
  } finally {
    load.disconnect();
    if (server.connected) server.send({ type: 'stop' });
    const killer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    await Promise.all([exited(server), exited(load)]);
    clearTimeout(killer);
  }
}

function errorsOf(r: LoadResult): number {
  return r.non2xx + r.socketErrors + r.timeouts + r.rpcErrors + r.toolErrors + r.malformed;
}

/**
 * Runs the benchmark: the dev IdP in this process and the real OPA server,
 * then each target in its own forked server process, loaded by autocannon in
 * another forked process, one target after the other with the same
 * connections, warm-up and duration. Ratios are against the bare server of
 * this run.
 *
 * @example
 * ```ts
 * const report = await runBench({ connections: 16, durationSeconds: 10, warmupSeconds: 3 });
 * console.log(formatTable(report));
 * ```
 */
export async function runBench(options: BenchOptions, log: (line: string) => void = () => {}, opaBin?: string): Promise<BenchReport> {
  if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
  const spines = SPINE_TARGETS.filter((t) => options.only === undefined || options.only.includes(t.id));
  const ports = new Map<string, number>();
  for (const t of spines) ports.set(t.id, await freePort());
  const publicUrl = (id: string) => `http://127.0.0.1:${String(ports.get(id))}/mcp`;

  const idp = await startIdentityProvider({
    port: 0,
    resourceServers: [...SEED_RESOURCE_SERVERS, ...spines.map((t) => ({ url: publicUrl(t.id), name: `bench ${t.id}` }))],
  });
  const needsOpa = spines.some((t) => t.authz === 'opa');
  const opa = needsOpa ? await startOpa({ policyDir: options.policyDir ?? POLICY_DIR, ...(opaBin ? { opaBin } : {}) }) : undefined;
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0] ?? 0;
  const base = { connections: options.connections, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds };
  const rows: Omit<BenchRow, 'throughputRatio' | 'p99Ratio'>[] = [];
  let decisions: DecisionLatency[] = [];
  try {
    log('bench: the policy decision on its own (get_device as nina)');
    decisions = await measureDecisionLatency({ user: BENCH_USER, groups: ['network-engineers'], deviceId: BENCH_DEVICE_ID, ...(opa ? { opaUrl: opa.url } : {}) });
    const anyToken = await idp.issueToken({ user: BENCH_USER, audience: SEED_RESOURCE_SERVERS[0]?.url ?? '' });
    log(`bench: ${BARE.label}`);
    const bare = await measure(
      { kind: 'bare', port: 0 },
      { ...base, headers: headersFor(anyToken), body: rpcBody('echo', { text: 'hello' }) },
      options,
      log,
      BARE.id,
    );
    rows.push({ id: BARE.id, label: BARE.label, result: bare, errors: errorsOf(bare), valid: errorsOf(bare) === 0 });
    for (const t of spines) {
      log(`bench: ${t.label}`);
      const token = await idp.issueToken({ user: BENCH_USER, audience: publicUrl(t.id) });
      const result = await measure(
        { kind: 'spine', port: ports.get(t.id) ?? 0, authz: t.authz, upstream: t.upstream, issuer: idp.issuer, opaUrl: opa?.url ?? 'http://127.0.0.1:1', limits: 'off' },
        { ...base, headers: headersFor(token), body: rpcBody('get_device', { device_id: BENCH_DEVICE_ID }) },
        options,
        log,
        t.id,
      );
      rows.push({ id: t.id, label: t.label, result, errors: errorsOf(result), valid: errorsOf(result) === 0 });
    }
  } finally {
    await Promise.allSettled([opa?.stop(), idp.stop()]);
  }
  const ref = rows[0]?.result;
  const withRatios: BenchRow[] = rows.map((r) => ({
    ...r,
    throughputRatio: ref ? r.result.requestsPerSecond / ref.requestsPerSecond : NaN,
    p99Ratio: ref ? r.result.latencyMs.p99 / ref.latencyMs.p99 : NaN,
  }));
  const cpu = cpus();
  return {
    startedAt,
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverage1m: { before: loadBefore, after: loadavg()[0] ?? 0 },
    },
    options,
    request: {
      protocolVersion: PROTOCOL_VERSION,
      bare: `tools/call echo {"text":"hello"}`,
      spine: `tools/call get_device {"device_id":"${BENCH_DEVICE_ID}"} as ${BENCH_USER} (network-engineers)`,
    },
    target: TARGET,
    rows: withRatios,
    decisions,
    valid: withRatios.every((r) => r.valid) && decisions.every((d) => d.allAllowed),
  };
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/**
 * Renders the report as a Markdown table (target, req/s, p50, p99, errors, ratios).
 *
 * @example
 * ```ts
 * process.stdout.write(formatTable(report) + '\n');
 * ```
 */
export function formatTable(report: BenchReport): string {
  const header = ['target', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'req/s vs bare', 'p99 vs bare', 'valid'];
  const lines = report.rows.map((r) => [
    `${r.id} — ${r.label}`,
    fixed(r.result.requestsPerSecond, 0),
    fixed(r.result.latencyMs.p50, 1),
    fixed(r.result.latencyMs.p95, 1),
    fixed(r.result.latencyMs.p99, 1),
    String(r.errors),
    `${fixed(r.throughputRatio, 2)}×`,
    `${fixed(r.p99Ratio, 2)}×`,
    r.valid ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const decisionLines = report.decisions.map((d) => {
    const goal = d.engine === 'wasm' ? DECISION_TARGET.wasmP99MsAtMost : DECISION_TARGET.opaP99MsAtMost;
    return `policy decision alone, ${d.engine === 'wasm' ? 'Wasm in-process' : 'OPA server'}: p50 ${d.p50Ms.toFixed(3)} ms, p99 ${d.p99Ms.toFixed(3)} ms (goal ≤ ${goal} ms: ${d.p99Ms <= goal ? 'met' : 'MISSED'}), max ${d.maxMs.toFixed(2)} ms over ${d.decisions} decisions${d.allAllowed ? '' : ' — INVALID: a decision was not allow'}`;
  });
  return [row(header), sep, ...lines.map(row), '', ...decisionLines].join('\n');
}
