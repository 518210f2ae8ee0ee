import { createOpaAuthorizer, createWasmAuthorizer, DEFAULT_WASM_PATH, policyInputFor, type Authorizer, type PolicyInput } from '@mcp-platform/mcp-common/authz';

/** Latency of one engine's decisions, in milliseconds. */
export interface DecisionLatency {
  engine: 'wasm' | 'opa';
  decisions: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every decision allowed the call (a deny would measure a different rule path). */
  allAllowed: boolean;
  /**
   * OPA server only: the same question asked again with `?metrics=true`, and OPA's own
   * `timer_server_handler_ns` per answer — the part of the client-observed time spent inside OPA
   * (decode, evaluate, encode), to tell OPA's tail from the HTTP client's and the scheduler's.
   */
  server?: { p50Ms: number; p99Ms: number; maxMs: number };
}

/** The goals for the policy decision's own p99. */
export const DECISION_TARGET = { wasmP99MsAtMost: 0.1, opaP99MsAtMost: 1 } as const;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function measureEngine(engine: DecisionLatency['engine'], authorizer: Authorizer, input: PolicyInput, decisions: number): Promise<DecisionLatency> {
  let allAllowed = true;
  for (let i = 0; i < Math.min(500, decisions); i++) allAllowed = (await authorizer.decide(input)).allow && allAllowed; // warm-up (JIT, keep-alive)
  const samples: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const t0 = process.hrtime.bigint();
    const d = await authorizer.decide(input);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    allAllowed = d.allow && allAllowed;
  }
  samples.sort((a, b) => a - b);
  return { engine, decisions, p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99), maxMs: samples.at(-1) ?? NaN, allAllowed };
}

/** OPA's own handler time per decision (`?metrics=true`), same question, one after the other. */
async function opaServerSide(opaUrl: string, input: PolicyInput, decisions: number): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
  const url = new URL('v1/data/mcp/authz/decision?metrics=true', opaUrl.endsWith('/') ? opaUrl : `${opaUrl}/`);
  const body = JSON.stringify({ input });
  const samples: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await res.json()) as { metrics?: { timer_server_handler_ns?: number } };
    const ns = answer.metrics?.timer_server_handler_ns;
    if (typeof ns !== 'number') throw new Error(`OPA answered without metrics.timer_server_handler_ns (HTTP ${String(res.status)})`);
    samples.push(ns / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99), maxMs: samples.at(-1) ?? NaN };
}

/**
 * Measures the policy decision on its own: the bench's `get_device` question
 * (the seeded network engineer, with arguments, so no decision cache applies)
 * asked one after the other, after a warm-up, of the in-process Wasm policy
 * and, when `opaUrl` is given, of the OPA server over its keep-alive pool — then once more with
 * OPA's own per-request handler time (`?metrics=true`), which separates OPA's tail from the client's.
 * Runs in the orchestrator while no target is loaded.
 *
 * @example
 * ```ts
 * const [wasm, opa] = await measureDecisionLatency({ user: 'nina', groups: ['network-engineers'], deviceId, opaUrl });
 * ```
 */
export async function measureDecisionLatency(opts: { user: string; groups: string[]; deviceId: string; opaUrl?: string; decisions?: number }): Promise<DecisionLatency[]> {
  const decisions = opts.decisions ?? 5_000;
  const input = policyInputFor({
    subject: { id: opts.user, groups: opts.groups, scopes: ['mcp:tools'], clientId: 'bench' },
    server: 'network',
    tool: 'get_device',
    action: 'read',
    arguments: { device_id: opts.deviceId },
    requestId: 'bench',
  });
  const out: DecisionLatency[] = [];
  const wasm = createWasmAuthorizer({ wasm: DEFAULT_WASM_PATH });
  try {
    out.push(await measureEngine('wasm', wasm, input, decisions));
  } finally {
    await wasm.close();
  }
  if (opts.opaUrl) {
    const opa = createOpaAuthorizer({ url: opts.opaUrl });
    try {
      out.push({ ...(await measureEngine('opa', opa, input, decisions)), server: await opaServerSide(opts.opaUrl, input, decisions) });
    } finally {
      await opa.close();
    }
  }
  return out;
}
