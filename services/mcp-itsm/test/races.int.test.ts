// Decision binds to write: racing pairs of calls that each pass the policy alone but together
// would reach an outcome the policy forbids. Fired concurrently, many times, against the real
// server (two replicas sharing one real redis-server), the real OPA and the ServiceNow
// simulator; the assertion is on the resulting records: zero wrongful outcomes.
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { freePort, startRedis, type RunningRedis } from '@mcp-platform/test-support';
import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startItsmServer } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startHarness, type ItsmHarness } from './harness.ts';

const ROUNDS = 12;

let redis: RunningRedis;
let h: ItsmHarness;
let replica: Awaited<ReturnType<typeof startItsmServer>>;
const replicaClients: Client[] = [];

beforeAll(async () => {
  redis = await startRedis();
  h = await startHarness({ REDIS_URL: redis.url });
  // A second replica: same audience (PUBLIC_URL), same upstream, same Redis.
  replica = await startItsmServer(
    loadConfig({
      PORT: String(await freePort()),
      PUBLIC_URL: h.server.publicUrl,
      OIDC_ISSUER: h.idp.issuer,
      OPA_URL: h.opa.url,
      AUTHZ_CACHE_TTL_MS: '0',
      REDIS_URL: redis.url,
      SERVICENOW_INSTANCE_URL: h.sim.url,
    }),
    { logStream: new PassThrough() },
  );
});
afterAll(async () => {
  await Promise.allSettled(replicaClients.map((c) => c.close()));
  await replica?.close();
  await h?.stop();
  await redis?.stop();
});

async function replicaClient(user: string): Promise<Client> {
  const token = await h.token(user);
  const client = new Client({ name: 'race', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${replica.url}/mcp`), { authProvider: { token: async () => token } }));
  replicaClients.push(client);
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const record = (table: 'incident' | 'change_request', sysId: string) => h.sim.state.tables[table].find((r) => r['sys_id'] === sysId);

describe('racing writes through two replicas sharing a Redis lock', () => {
  it('reports the shared lock as ready', async () => {
    const ready = (await (await fetch(`${replica.url}/readyz`)).json()) as { checks: Record<string, boolean> };
    expect(ready.checks['resource-lock']).toBe(true);
  });

  it('nina cannot self-approve by racing authorize and scheduled on her own change: zero approved changes', async () => {
    const [onA, onB] = [await h.client('nina'), await replicaClient('nina')];
    const outcomes: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const created = await call(onA, 'create_change_request', { short_description: `race ${i}`, type: 'normal' });
      expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
      const change = (created.structuredContent as { change_request: { number: string; sys_id: string } }).change_request;
      expect((await call(onA, 'transition_change_request', { change: change.number, state: 'assess' })).isError).toBeFalsy();
      const [x, y] = i % 2 === 0 ? [onA, onB] : [onB, onA];
      await Promise.all([
        call(x, 'transition_change_request', { change: change.number, state: 'authorize' }),
        sleep(i % 4).then(() => call(y, 'transition_change_request', { change: change.sys_id, state: 'scheduled' })),
      ]);
      const final = record('change_request', change.sys_id);
      outcomes.push(`${final?.['state']}/${final?.['approval']}`);
    }
    // The outcome rule holds on the records: no change of nina's got approved, whatever the timing.
    expect(outcomes.filter((o) => o.endsWith('/approved'))).toEqual([]);
    // And the lock did not turn every race into a failure: authorize always landed.
    expect(outcomes.every((o) => o === '-3/requested')).toBe(true);
  });

  it('carol and alice approve one change at the same moment on two replicas: one decision record, both answers name it', async () => {
    const nina = await h.client('nina');
    const [carolOnA, aliceOnB] = [await h.client('carol'), await replicaClient('alice')];
    for (let i = 0; i < ROUNDS / 2; i++) {
      const created = await call(nina, 'create_change_request', { short_description: `approval race ${i}`, type: 'normal' });
      const change = (created.structuredContent as { change_request: { number: string; sys_id: string } }).change_request;
      for (const state of ['assess', 'authorize']) expect((await call(nina, 'transition_change_request', { change: change.number, state })).isError).toBeFalsy();
      const results = await Promise.all([
        call(carolOnA, 'approve_change_request', { change: change.number, comment: `carol ${i}` }),
        sleep(i % 3).then(() => call(aliceOnB, 'approve_change_request', { change: change.sys_id, comment: `alice ${i}` })),
      ]);
      for (const r of results) expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      const answers = results.map((r) => (r.structuredContent as { approval: { approver: string; recorded: boolean } }).approval);
      // One decision record on the change…
      const decided = h.sim.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === change.sys_id && a['state'] === 'approved');
      expect(decided).toHaveLength(1);
      // …and both callers were told the same approver: one recorded it, the other found it.
      expect(new Set(answers.map((a) => a.approver)).size).toBe(1);
      expect(answers.map((a) => a.recorded).sort()).toEqual([false, true]);
      expect(record('change_request', change.sys_id)?.['state']).toBe('-2');
    }
  });

  it('sam cannot reach priority 1 with impact 1 and urgency 1 in two concurrent calls: zero P1 incidents', async () => {
    const [onA, onB] = [await h.client('sam'), await replicaClient('sam')];
    const priorities: string[] = [];
    const successes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const created = await call(onA, 'create_incident', { short_description: `race ${i}`, impact: 2, urgency: 2 });
      const incident = (created.structuredContent as { incident: { number: string; sys_id: string } }).incident;
      const [x, y] = i % 2 === 0 ? [onA, onB] : [onB, onA];
      const results = await Promise.all([
        call(x, 'update_incident', { incident: incident.number, impact: 1 }),
        sleep(i % 3).then(() => call(y, 'update_incident', { incident: incident.sys_id, urgency: 1 })),
      ]);
      successes.push(results.filter((r) => !r.isError).length);
      priorities.push(String(record('incident', incident.sys_id)?.['priority']));
    }
    expect(priorities.filter((p) => p === '1')).toEqual([]);
    // Exactly one of each pair went through; the other was denied on the state it would create.
    expect(successes.every((n) => n === 1)).toBe(true);
  });
});
