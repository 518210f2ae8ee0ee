import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCatalystCenterSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { DEV_SECRETS } from '@mcp-platform/mcp-network/config';
import { freePort, startOpa } from '@mcp-platform/test-support';
import { BENCH_DEVICE_ID } from './targets/spine.ts';
import type { AuthzEngine, TargetSpec, Upstream } from './targets/types.ts';
import type { ChildProcess } from 'node:child_process';
import { compareRounds, errorCount, procCpuMs, roundsFor, runRounds, type Contender, type RoundsResult } from './interleave.ts';
import { PROTOCOL_VERSION, SERVER_PROCESS, ask, exited, forkChild, headersFor, rpcBody } from './processes.ts';
import { formatSpread, formatVerdict, judge, spreadOf } from './rounds.ts';
import type { BenchOptions, BenchReport, BenchRow, RowGoal } from './types.ts';
import { DECISION_TARGET, measureDecisionLatency, type DecisionLatency } from './policy-latency.ts';

export type { BenchOptions, BenchReport, BenchRow, LoadResult, RowGoal } from './types.ts';
export { formatSpread, formatVerdict, judge, spreadOf, type Spread, type Verdict } from './rounds.ts';

/** The issue's target for the spine (Wasm policy) against the bare server. */
export const TARGET = { throughputRatioAtLeast: 1.0, p99RatioAtMost: 1.2 } as const;
/** The issue's target for mcp-network with its simulator against the bare server. */
export const NETWORK_TARGET = { throughputRatioAtLeast: 0.8 } as const;

/** The seeded network engineer: a non-admin caller the policy really has to evaluate. */
const BENCH_USER = 'nina';

interface SpineTarget {
  id: string;
  label: string;
  authz: AuthzEngine;
  upstream: Upstream;
  /** `UPSTREAM_CACHE_FRESH_MS` for this row; absent = the service's own default (mcp-network: 2000). */
  upstreamCacheFreshMs?: number;
  goal?: RowGoal;
}

/** The spine rows, in the order of the first round (after the bare server). */
export const SPINE_TARGETS: readonly SpineTarget[] = [
  { id: 'spine-wasm-inproc', label: 'spine, Wasm policy, upstream in-process', authz: 'wasm', upstream: 'in-process', goal: TARGET },
  { id: 'spine-opa-inproc', label: 'spine, OPA server, upstream in-process', authz: 'opa', upstream: 'in-process' },
  { id: 'network-wasm-sim', label: 'mcp-network, Wasm policy, Catalyst simulator', authz: 'wasm', upstream: 'simulator', goal: NETWORK_TARGET },
  // The same with the read cache's fresh window off: every get_device goes to the simulator (the reader sees both).
  { id: 'network-wasm-sim-nocache', label: 'mcp-network, Wasm policy, Catalyst simulator, read cache off', authz: 'wasm', upstream: 'simulator', upstreamCacheFreshMs: 0 },
  { id: 'network-opa-sim', label: 'mcp-network, OPA server, Catalyst simulator', authz: 'opa', upstream: 'simulator' },
  // The server alone: network-wasm-sim-nocache with the simulator in the orchestrator's process (idle during the rounds otherwise),
  // so its CPU column is the server's own cost of the Catalyst hop.
  { id: 'network-wasm-simproc', label: 'mcp-network, Wasm policy, simulator in another process, read cache off', authz: 'wasm', upstream: 'simulator-elsewhere', upstreamCacheFreshMs: 0 },
];

const BARE = { id: 'bare-sdk', label: 'bare SDK (createMcpHandler + express)' } as const;

/** Forks a server process for `spec` and resolves with it and its URL once it listens. */
async function startTarget(spec: TargetSpec, options: BenchOptions, id: string): Promise<{ child: ChildProcess; url: string }> {
  // One folder per target: every thread writes its own profile; the main thread's is the largest.
  const profileArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, id)}`] : [];
  const child = forkChild(SERVER_PROCESS, profileArgs);
  try {
    const { url } = await ask<{ url: string }>(child, { type: 'start', spec }, `starting ${id}`);
    return { child, url };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

async function stopTargets(children: readonly ChildProcess[]): Promise<void> {
  for (const c of children) if (c.connected) c.send({ type: 'stop' });
  const killer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 15_000);
  await Promise.all(children.map(exited));
  clearTimeout(killer);
}

/**
 * Runs the benchmark: the dev IdP in this process and the real OPA server, every target in its own
 * forked server process (all started up front), and one forked autocannon process that measures them
 * in interleaved rounds (bare, spine…, then the reverse order, …) with the same connections. Each
 * ratio is taken per round against the bare server of that round; a row reports the median ratio
 * and its spread, and a goal's verdict says whether every round agrees.
 *
 * @example
 * ```ts
 * const report = await runBench({ connections: 16, durationSeconds: 10, rounds: 5, warmupSeconds: 3 });
 * console.log(formatTable(report));
 * ```
 */
export async function runBench(options: BenchOptions, log: (line: string) => void = () => {}, opaBin?: string): Promise<BenchReport> {
  if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
  const spines = SPINE_TARGETS.filter((t) => options.only === undefined || options.only.includes(t.id));
  const ports = new Map<string, number>();
  for (const t of spines) ports.set(t.id, await freePort());
  const publicUrl = (id: string) => `http://127.0.0.1:${String(ports.get(id))}/mcp`;
  const plan = roundsFor(options.durationSeconds, options.rounds, options.warmupSeconds);

  const idp = await startIdentityProvider({
    port: 0,
    accessTokenTtlSeconds: 3_600,
    resourceServers: [...SEED_RESOURCE_SERVERS, ...spines.map((t) => ({ url: publicUrl(t.id), name: `bench ${t.id}` }))],
  });
  const needsOpa = spines.some((t) => t.authz === 'opa');
  // OPA as every deployment runs it (the optimized bundle, decision logs on): its log goes to a file, as a
  // container runtime takes it, not through this measuring process.
  const opaLogDir = needsOpa ? mkdtempSync(join(tmpdir(), 'mcp-bench-opa-')) : undefined;
  const opa = opaLogDir
    ? await startOpa({ ...(options.policyDir ? { policyDir: options.policyDir } : { bundle: POLICY_BUNDLE }), decisionLogs: true, logFile: join(opaLogDir, 'opa.log'), ...(opaBin ? { opaBin } : {}) })
    : undefined;
  const sim = spines.some((t) => t.upstream === 'simulator-elsewhere') ? await startCatalystCenterSimulator({ port: 0, ...DEV_SECRETS['catalyst-center'] }) : undefined;
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0] ?? 0;
  const base = { connections: options.connections };
  const children: ChildProcess[] = [];
  let measured: RoundsResult[] = [];
  let decisions: DecisionLatency[] = [];
  try {
    log('bench: the policy decision on its own (get_device as nina)');
    decisions = await measureDecisionLatency({ user: BENCH_USER, groups: ['network-engineers'], deviceId: BENCH_DEVICE_ID, ...(opa ? { opaUrl: opa.url, ...(opa.pid !== undefined ? { opaPid: opa.pid } : {}) } : {}) });
    const anyToken = await idp.issueToken({ user: BENCH_USER, audience: SEED_RESOURCE_SERVERS[0]?.url ?? '', ttlSeconds: 3_600 });
    log(`bench: starting ${BARE.label}${spines.map((t) => `, ${t.id}`).join('')}`);
    const bare = await startTarget({ kind: 'bare', port: 0 }, options, BARE.id);
    children.push(bare.child);
    const contenders: Contender[] = [{ id: BARE.id, job: { ...base, url: bare.url, headers: headersFor(anyToken), body: rpcBody('echo', { text: 'hello' }) } }];
    for (const t of spines) {
      const spec: TargetSpec = { kind: 'spine', port: ports.get(t.id) ?? 0, authz: t.authz, upstream: t.upstream, issuer: idp.issuer, opaUrl: opa?.url ?? 'http://127.0.0.1:1', limits: 'off', ...(sim ? { catalystUrl: sim.url } : {}), ...(t.upstreamCacheFreshMs !== undefined ? { upstreamCacheFreshMs: t.upstreamCacheFreshMs } : {}) };
      const started = await startTarget(spec, options, t.id);
      children.push(started.child);
      const token = await idp.issueToken({ user: BENCH_USER, audience: publicUrl(t.id), ttlSeconds: 3_600 });
      contenders.push({ id: t.id, job: { ...base, url: started.url, headers: headersFor(token), body: rpcBody('get_device', { device_id: BENCH_DEVICE_ID }) } });
    }
    log(`bench: warm-up ${String(plan.warmupSeconds)}s each, then ${String(plan.rounds)} interleaved rounds of ${String(plan.roundSeconds)}s per target at ${String(options.connections)} connections`);
    // Each server's CPU time per request it answered: the cost per call, far less sensitive than req/s to other work on the machine.
    const pids = Object.fromEntries(contenders.map((c, i) => [c.id, children[i]?.pid]));
    measured = await runRounds(contenders, plan, log, () => procCpuMs(pids));
  } finally {
    await stopTargets(children);
    await Promise.allSettled([opa?.stop(), idp.stop(), sim?.stop()]);
    if (opaLogDir) rmSync(opaLogDir, { recursive: true, force: true });
  }
  const ref = measured[0];
  const labels = new Map<string, { label: string; goal?: RowGoal }>([[BARE.id, { label: BARE.label }], ...spines.map((t) => [t.id, { label: t.label, ...(t.goal ? { goal: t.goal } : {}) }] as const)]);
  const rows: BenchRow[] = measured.map((m) => {
    const throughputSpread = ref ? compareRounds(m, ref, (c, b) => c.requestsPerSecond / b.requestsPerSecond) : spreadOf([]);
    const p99Spread = ref ? compareRounds(m, ref, (c, b) => c.latencyMs.p99 / b.latencyMs.p99) : spreadOf([]);
    const errors = errorCount(m);
    const meta = labels.get(m.id);
    const goal = meta?.goal;
    return {
      id: m.id,
      label: meta?.label ?? m.id,
      result: m.summary,
      rounds: m.rounds,
      errors,
      valid: errors === 0,
      ...(m.cpuMsPerRequest?.[m.id] !== undefined ? { cpuMsPerRequest: m.cpuMsPerRequest[m.id] } : {}),
      throughputRatio: throughputSpread.median,
      p99Ratio: p99Spread.median,
      throughputSpread,
      p99Spread,
      ...(goal
        ? {
            goal: {
              ...goal,
              throughput: judge(throughputSpread, (r) => r >= goal.throughputRatioAtLeast),
              ...(goal.p99RatioAtMost !== undefined ? { p99: judge(p99Spread, (r) => r <= (goal.p99RatioAtMost ?? Infinity)) } : {}),
            },
          }
        : {}),
    };
  });
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
    rounds: { rounds: plan.rounds, roundSeconds: plan.roundSeconds },
    rows,
    decisions,
    valid: rows.every((r) => r.valid) && decisions.every((d) => d.allAllowed),
  };
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/**
 * Renders the report as a Markdown table (target, median req/s and percentiles over the rounds,
 * errors, the median per-round ratios against the bare server with their [min–max] spread), then
 * each goal's verdict over the rounds and the policy decision's own latency.
 *
 * @example
 * ```ts
 * process.stdout.write(formatTable(report) + '\n');
 * ```
 */
export function formatTable(report: BenchReport): string {
  const header = ['target', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'req/s vs bare [min–max]', 'p99 vs bare [min–max]', 'server CPU ms/req', 'valid'];
  const bareCpu = report.rows[0]?.cpuMsPerRequest;
  const lines = report.rows.map((r) => [
    `${r.id} — ${r.label}`,
    fixed(r.result.requestsPerSecond, 0),
    fixed(r.result.latencyMs.p50, 1),
    fixed(r.result.latencyMs.p95, 1),
    fixed(r.result.latencyMs.p99, 1),
    String(r.errors),
    formatSpread(r.throughputSpread, 2, '×'),
    formatSpread(r.p99Spread, 2, '×'),
    r.cpuMsPerRequest === undefined ? '-' : `${r.cpuMsPerRequest.toFixed(2)}${bareCpu ? ` (${(r.cpuMsPerRequest / bareCpu).toFixed(2)}×)` : ''}`,
    r.valid ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const goalLines = report.rows.flatMap((r) =>
    r.goal
      ? [
          `goal ${r.id}: req/s ≥ ${r.goal.throughputRatioAtLeast.toFixed(1)}× bare — ${formatVerdict(r.goal.throughput)}` +
            (r.goal.p99 && r.goal.p99RatioAtMost !== undefined ? `; p99 ≤ ${r.goal.p99RatioAtMost.toFixed(1)}× bare — ${formatVerdict(r.goal.p99)}` : ''),
        ]
      : [],
  );
  const ms = (v: number, digits = 3) => `${v.toFixed(digits)} ms`;
  const plus = (v: number) => `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}`;
  const decisionLines = report.decisions.map((d) => {
    const goal = d.engine === 'wasm' ? DECISION_TARGET.wasmP99MsAtMost : DECISION_TARGET.opaP99MsAtMost;
    return (
      `policy decision alone, ${d.engine === 'wasm' ? 'Wasm in-process' : 'OPA server'}: p50 ${ms(d.p50Ms)}, p99 ${ms(d.p99Ms)} (goal ≤ ${goal} ms: ${d.p99Ms <= goal ? 'met' : 'MISSED'}), max ${ms(d.maxMs, 2)} over ${d.decisions} decisions after ${d.warmupDecisions} warm-up${d.allAllowed ? '' : ' — INVALID: a decision was not allow'}` +
      (d.floor
        ? `\n  round-trip floor (the same client's GET /health, alternated with the decisions): p50 ${ms(d.floor.p50Ms)}, p99 ${ms(d.floor.p99Ms)}, max ${ms(d.floor.maxMs, 2)}; the decision adds p50 ${plus(d.p50Ms - d.floor.p50Ms)}, p99 ${plus(d.p99Ms - d.floor.p99Ms)}`
        : '') +
      (d.server
        ? `\n  inside OPA (its own timer_server_handler_ns, ${d.decisions} more decisions with ?metrics=true): p50 ${ms(d.server.p50Ms)}, p99 ${ms(d.server.p99Ms)}, max ${ms(d.server.maxMs, 2)}; outside its handler (client − handler, per request): p50 ${ms(d.server.outside.p50Ms)}, p99 ${ms(d.server.outside.p99Ms)}`
        : '') +
      (d.cpu
        ? `\n  CPU per decision (${d.cpu.decisions} decisions alone): client ${d.cpu.clientUsPerDecision.toFixed(0)} µs${d.cpu.opaUsPerDecision === undefined ? '' : `, OPA ${d.cpu.opaUsPerDecision.toFixed(0)} µs`}`
        : '')
    );
  });
  return [
    `${String(report.rounds.rounds)} interleaved rounds of ${String(report.rounds.roundSeconds)}s per target; figures are medians over the rounds, ratios per round against the bare server of that round`,
    row(header),
    sep,
    ...lines.map(row),
    '',
    ...goalLines,
    ...decisionLines,
  ].join('\n');
}
