import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeArgumentLeaks } from '@mcp-platform/test-support';
import { itsmTools } from '../src/tools/index.ts';
import { startHarness, type ItsmHarness } from './harness.ts';

// A secret-looking value in every argument of every tool must reach neither the service's log
// nor OPA's decision log (OPA runs as `pnpm start` runs it: decision logs on the console,
// masked by policies/mcp/decision_log.rego).
let h: ItsmHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('tool arguments never reach a log', () => {
  it('plants a secret in every tool\'s arguments; no log holds it, and every call reached the policy', async () => {
    const report = await probeArgumentLeaks(h, 'alice', { incident: 'INC0010002', change: 'CHG0030003' });
    expect(report.tools).toEqual(itsmTools.map((t) => t.name).sort());
    expect(report.decided).toEqual(report.tools);
    expect(report.leaks).toEqual([]);
  });
});
