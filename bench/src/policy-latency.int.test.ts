import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { startOpa, type RunningOpa } from '@mcp-platform/test-support';
import { measureDecisionLatency } from './policy-latency.ts';
import { BENCH_DEVICE_ID } from './targets/spine.ts';

describe('measureDecisionLatency against a real OPA server', () => {
  let opa: RunningOpa;
  beforeAll(async () => {
    opa = await startOpa({ bundle: POLICY_BUNDLE, decisionLogs: true });
  }, 30_000);
  afterAll(() => opa.stop());

  it('reports the decisions, the interleaved round-trip floor and OPA’s own handler time', async () => {
    const [wasm, server] = await measureDecisionLatency({ user: 'nina', groups: ['network-engineers'], deviceId: BENCH_DEVICE_ID, opaUrl: opa.url, opaPid: opa.pid, decisions: 40, opaWarmupDecisions: 10 });
    expect(wasm).toMatchObject({ engine: 'wasm', decisions: 40, allAllowed: true });
    expect(wasm?.floor).toBeUndefined();
    expect(server).toMatchObject({ engine: 'opa', decisions: 40, warmupDecisions: 10, allAllowed: true });
    for (const l of [server, server?.floor, server?.server, server?.server?.outside]) {
      expect(l?.p50Ms).toBeGreaterThan(0);
      expect(l?.p99Ms).toBeGreaterThanOrEqual(l?.p50Ms ?? Infinity);
      expect(l?.maxMs).toBeGreaterThanOrEqual(l?.p99Ms ?? Infinity);
    }
    // CPU per decision over 40 decisions asked alone: the client's (µs resolution) and OPA's (10 ms ticks, so maybe 0).
    expect(server?.cpu).toMatchObject({ decisions: 40 });
    expect(server?.cpu?.clientUsPerDecision).toBeGreaterThan(0);
    expect(server?.cpu?.opaUsPerDecision).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('says when a decision was not allow (a caller the policy denies)', async () => {
    const [, server] = await measureDecisionLatency({ user: 'mallory', groups: [], deviceId: BENCH_DEVICE_ID, opaUrl: opa.url, decisions: 4, opaWarmupDecisions: 0 });
    expect(server?.allAllowed).toBe(false);
  }, 60_000);
});
