import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeArgumentLeaks } from '@mcp-platform/test-support';
import { networkTools } from '../src/tools/index.ts';
import { startHarness, type NetworkHarness } from './harness.ts';

// A secret-looking value in every argument of every tool must reach neither the service's log
// nor OPA's decision log (OPA runs as `pnpm start` runs it: decision logs on the console,
// masked by policies/mcp/decision_log.rego).
let h: NetworkHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('tool arguments never reach a log', () => {
  it('plants a secret in every tool\'s arguments; no log holds it, and every call reached the policy', async () => {
    const report = await probeArgumentLeaks(h, 'alice', { device_id: 'de000000-0000-4000-8000-000000000005', device_ids: ['de000000-0000-4000-8000-000000000005'], template_id: '7e000000-0000-4000-8000-000000000001' });
    expect(report.tools).toEqual(networkTools.map((t) => t.name).sort());
    expect(report.decided).toEqual(report.tools);
    expect(report.leaks).toEqual([]);
  });
});
