import { ANALYSIS_SEED_IDS, SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { probeArgumentLeaks } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTools } from '../src/tools/index.ts';
import { startHarness, type AnalysisHarness } from './harness.ts';

// A secret-looking value in every argument of every tool (the show command included) must reach
// neither the service's log nor OPA's decision log (OPA runs as `pnpm start` runs it: decision
// logs on the console, masked by policies/mcp/decision_log.rego).
let h: AnalysisHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('tool arguments never reach a log', () => {
  it("plants a secret in every tool's arguments; no log holds it, and every call reached the policy", async () => {
    const device = SEED_IDS.devices.sjc01Acc02;
    const report = await probeArgumentLeaks(h, 'alice', {
      device_id: device,
      device_ids: [device],
      issue_id: ANALYSIS_SEED_IDS.issues.sjc01Acc02InterfaceErrors,
      flow_analysis_id: '00000000-0000-4000-8000-0000000000f1',
      source_ip: '10.10.1.10',
      dest_ip: '10.50.0.10',
    });
    expect(report.tools).toEqual(analysisTools.map((t) => t.name).sort());
    expect(report.decided).toEqual(report.tools);
    expect(report.leaks).toEqual([]);
  });
});
