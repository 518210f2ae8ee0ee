import { Pool } from 'undici';
import { procCpuMs } from './interleave.ts';
import { createOpaAuthorizer, createWasmAuthorizer, DEFAULT_WASM_PATH, policyInputFor, type PolicyInput } from '@mcp-platform/mcp-common/authz';

/** A latency distribution, in milliseconds. */
export interface Latency {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Latency of one engine's decisions, in milliseconds. */
export interface DecisionLatency extends Latency {
  engine: 'wasm' | 'opa';
  decisions: number;
  /** Decisions asked (and answered "allow") before the measured ones: JIT, keep-alive, OPA's first heap growth and GC cycle. */
  warmupDecisions: number;
  /** Every decision allowed the call (a deny would measure a different rule path). */
  allAllowed: boolean;
  /**
   * OPA server only: the machine's round-trip floor, measured in the same sequence — the authorizer's own
   * health check (`GET /health` over the same keep-alive pool) alternated with the decisions (ABBA), so
   * load drift hits both alike. The decision's p50/p99 minus the floor's is what OPA's decision adds to a
   * bare round trip to the same process.
   */
  floor?: Latency;
  /**
   * OPA server only: the same question asked again with `?metrics=true`, and OPA's own
   * `timer_server_handler_ns` per answer — the part of the client-observed time spent inside OPA
   * (decode, evaluate, encode), to tell OPA's tail from the HTTP client's and the scheduler's.
   * `outside` is each of those requests' client time minus its handler time.
   */
  server?: Latency & { outside: Latency };
  /**
   * OPA server only: CPU time (user + system) per decision, in microseconds, over 1,000 decisions asked
   * alone after the warm-up: of this (the client's) process, and of OPA's when its process id is known
   * (`/proc/<pid>/stat`, 10 ms ticks). Far less sensitive to other work on the machine than the latency.
   */
  cpu?: { clientUsPerDecision: number; opaUsPerDecision?: number; decisions: number };
}

/** The goals for the policy decision's own p99. */
export const DECISION_TARGET = { wasmP99MsAtMost: 0.1, opaP99MsAtMost: 1 } as const;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/**
 * p50, p99 and max of `samples` (milliseconds; NaN when empty).
 *
 * @example
 * ```ts
 * latencyOf([0.2, 0.3, 4]).p50Ms; // 0.3
 * ```
 */
export function latencyOf(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted.at(-1) ?? NaN };
}

const elapsedMs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * Times `a` and `b` alternately, `n` times each, in ABBA order (a b, b a, a b, …) so that neither always
 * follows the other; returns each one's samples in milliseconds. A rejection of either ends the run.
 *
 * @example
 * ```ts
 * const { a: decisions, b: floor } = await timeAlternately(() => opa.decide(input), () => opa.ready(), 5_000);
 * ```
 */
export async function timeAlternately(a: () => Promise<unknown>, b: () => Promise<unknown>, n: number): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  const timed = async (f: () => Promise<unknown>, into: number[]): Promise<void> => {
    const t0 = process.hrtime.bigint();
    await f();
    into.push(elapsedMs(t0));
  };
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await timed(a, out.a);
      await timed(b, out.b);
    } else {
      await timed(b, out.b);
      await timed(a, out.a);
    }
  }
  return out;
}

async function measureWasm(input: PolicyInput, decisions: number, warmupDecisions: number): Promise<DecisionLatency> {
  const wasm = createWasmAuthorizer({ wasm: DEFAULT_WASM_PATH });
  try {
    let allAllowed = true;
    for (let i = 0; i < warmupDecisions; i++) allAllowed = (await wasm.decide(input)).allow && allAllowed;
    const samples: number[] = [];
    for (let i = 0; i < decisions; i++) {
      const t0 = process.hrtime.bigint();
      const d = await wasm.decide(input);
      samples.push(elapsedMs(t0));
      allAllowed = d.allow && allAllowed;
    }
    return { engine: 'wasm', decisions, warmupDecisions, ...latencyOf(samples), allAllowed };
  } finally {
    await wasm.close();
  }
}

/** Waits until OPA says its bundle is activated and its plugins (decision logs) are up: `GET /health?bundles&plugins` is 200. */
async function opaActivated(pool: Pool, origin: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await pool.request({ origin, path: '/health?bundles&plugins', method: 'GET' }).catch(() => undefined);
    await res?.body.dump();
    if (res?.statusCode === 200) return;
    if (Date.now() > deadline) throw new Error(`OPA at ${origin} did not report its bundle and plugins ready within ${String(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** OPA's own handler time per decision (`?metrics=true`), and the rest of each request's client time. */
async function opaServerSide(pool: Pool, origin: string, path: string, input: PolicyInput, decisions: number): Promise<Latency & { outside: Latency }> {
  const body = JSON.stringify({ input });
  const inside: number[] = [];
  const outside: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const t0 = process.hrtime.bigint();
    const res = await pool.request({ origin, path: `${path}?metrics=true`, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await res.body.json()) as { metrics?: { timer_server_handler_ns?: number } };
    const clientMs = elapsedMs(t0);
    const ns = answer.metrics?.timer_server_handler_ns;
    if (typeof ns !== 'number') throw new Error(`OPA answered without metrics.timer_server_handler_ns (HTTP ${String(res.statusCode)})`);
    inside.push(ns / 1e6);
    outside.push(clientMs - ns / 1e6);
  }
  return { ...latencyOf(inside), outside: latencyOf(outside) };
}

/** CPU per decision of this process and of `opaPid`'s, over `n` decisions asked one after the other. */
async function cpuPerDecision(decide: () => Promise<unknown>, n: number, opaPid: number | undefined): Promise<NonNullable<DecisionLatency['cpu']>> {
  const opaBefore = procCpuMs({ opa: opaPid }).opa;
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await decide();
  const used = process.cpuUsage(before);
  const opaAfter = procCpuMs({ opa: opaPid }).opa;
  return {
    clientUsPerDecision: (used.user + used.system) / n,
    ...(opaBefore !== undefined && opaAfter !== undefined ? { opaUsPerDecision: ((opaAfter - opaBefore) * 1000) / n } : {}),
    decisions: n,
  };
}

async function measureOpa(opaUrl: string, opaPid: number | undefined, input: PolicyInput, decisions: number, warmupDecisions: number): Promise<DecisionLatency> {
  const origin = new URL(opaUrl).origin;
  const decisionPath = '/v1/data/mcp/authz/decision';
  const probe = new Pool(origin, { connections: 1 });
  const opa = createOpaAuthorizer({ url: opaUrl });
  try {
    await opaActivated(probe, origin);
    let allAllowed = true;
    const decide = async (): Promise<void> => {
      allAllowed = (await opa.decide(input)).allow && allAllowed;
    };
    for (let i = 0; i < warmupDecisions; i++) await decide();
    const cpu = await cpuPerDecision(decide, Math.min(1_000, decisions), opaPid);
    const { a: samples, b: floor } = await timeAlternately(
      decide,
      async () => {
        if (!(await opa.ready())) throw new Error(`OPA at ${origin} failed its health check during the decision sequence`);
      },
      decisions,
    );
    const server = await opaServerSide(probe, origin, decisionPath, input, decisions);
    return { engine: 'opa', decisions, warmupDecisions, ...latencyOf(samples), allAllowed, floor: latencyOf(floor), server, cpu };
  } finally {
    await opa.close();
    await probe.close();
  }
}

/**
 * Measures the policy decision on its own: the bench's `get_device` question
 * (the seeded network engineer, with arguments, so no decision cache applies)
 * asked one after the other, after a warm-up, of the in-process Wasm policy
 * and, when `opaUrl` is given, of the OPA server through `createOpaAuthorizer` (as the spine asks it).
 * OPA's decisions start once OPA reports its bundle activated and `opaWarmupDecisions` decisions were
 * answered (default 2000: past its first heap growth and GC cycle); 1,000 more are asked alone for the
 * CPU per decision ({@link DecisionLatency.cpu}); then the measured ones, each alternated with the same
 * client's health check (the round-trip floor, {@link DecisionLatency.floor}); then the question is
 * asked once more with OPA's own per-request handler time (`?metrics=true`), which separates OPA's
 * tail from the client's. Runs in the orchestrator while no target is loaded.
 *
 * @example
 * ```ts
 * const [wasm, opa] = await measureDecisionLatency({ user: 'nina', groups: ['network-engineers'], deviceId, opaUrl });
 * ```
 */
export async function measureDecisionLatency(opts: {
  user: string;
  groups: string[];
  deviceId: string;
  opaUrl?: string;
  /** OPA's process id, for its CPU time per decision ({@link DecisionLatency.cpu}). */
  opaPid?: number;
  decisions?: number;
  opaWarmupDecisions?: number;
}): Promise<DecisionLatency[]> {
  const decisions = opts.decisions ?? 5_000;
  const input = policyInputFor({
    subject: { id: opts.user, groups: opts.groups, scopes: ['mcp:tools'], clientId: 'bench' },
    server: 'network',
    tool: 'get_device',
    action: 'read',
    arguments: { device_id: opts.deviceId },
    requestId: 'bench',
  });
  const out = [await measureWasm(input, decisions, Math.min(500, decisions))];
  if (opts.opaUrl) out.push(await measureOpa(opts.opaUrl, opts.opaPid, input, decisions, opts.opaWarmupDecisions ?? 2_000));
  return out;
}
