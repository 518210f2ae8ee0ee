/**
 * Temporal unreachable (nothing listens at TEMPORAL_ADDRESS): mcp-network's `/readyz` says so — ready
 * but `degraded`, check `temporal` — the inventory tools go on, and a workflow action is answered at once
 * with a named, retryable error instead of hanging. (Kill/hang/restart of a real Temporal server under
 * load, and the recovery: `pnpm chaos`, docs/reliability.md.)
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { freePort } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type NetworkHarness } from './harness.ts';

let h: NetworkHarness;
beforeAll(async () => {
  h = await startHarness({ TEMPORAL_ADDRESS: `127.0.0.1:${String(await freePort())}`, TEMPORAL_TASK_QUEUE: 'nobody-polls' });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

it('readiness reports Temporal degraded, reads go on, a workflow action fails fast with a named retryable error', async () => {
  const ready = await fetch(new URL('/readyz', h.server.url));
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'degraded', checks: { temporal: 'degraded', authorizer: true, secrets: true } });

  const nina = await h.client('nina');
  const read = (await nina.callTool({ name: 'list_devices', arguments: { limit: 2 } })) as CallToolResult;
  expect(read.isError).toBeFalsy();

  const started = Date.now();
  const start = (await nina.callTool({
    name: 'start_deployment_workflow',
    arguments: { template_id: SEED_IDS.templates.interfaceDescription, device_ids: [SEED_IDS.devices.sjc01Acc01], params: { interface: 'Gi1/0/7', description: 'no temporal' } },
  })) as CallToolResult;
  expect(start.isError).toBe(true);
  expect(start._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', retryable: true });
  expect(Date.now() - started).toBeLessThan(15_000);
}, 60_000);
