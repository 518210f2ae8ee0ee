/**
 * A deployment's writes to its ServiceNow change and mcp-itsm's tool writes on the same change never
 * interleave: both take the spine's resource lock on `itsm:change_request:<sys_id>` (prefix `mcp:lock:`) in one
 * real redis-server. The worker's ChangeManagement is built as the worker builds it (`buildDeps`,
 * `REDIS_URL`); mcp-itsm runs as its own process on the same Redis and the ServiceNow simulator.
 *  - held: while the change's lock is held (as mcp-itsm holds it around a tool write), the worker writes
 *    nothing and answers ERR_RESOURCE_BUSY (retryable: Temporal retries the activity) once its wait is over;
 *  - raced: the deployment's approval (alice, through the worker) and carol's `approve_change_request` (through
 *    mcp-itsm), fired at the same moment, round after round: exactly one decision record per change, and both
 *    sides name the same approver — one recorded it, the other found it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisResourceLock, ResourceBusyError } from '@mcp-platform/mcp-common/binding';
import { createRedisConnection, type RedisConnection } from '@mcp-platform/mcp-common/redis';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { connectRecordingClient, freePort, startAll, startMcpProcess, startRedis, type McpProcess, type RecordingClient, type RunningRedis } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { buildDeps, type BuiltDeps } from '../src/deps.ts';
import { captureLogger, startSimulators, type Simulators } from './fixtures.ts';

const ROUNDS = 6;
let redis: RunningRedis;
let sims: Simulators;
let idp: RunningIdentityProvider;
let itsm: McpProcess;
let deps: BuiltDeps;
let holder: RedisConnection;
let carol: RecordingClient;

beforeAll(async () => {
  [redis, sims] = await startAll([startRedis(), startSimulators()]);
  const itsmPort = await freePort();
  const itsmUrl = `http://127.0.0.1:${String(itsmPort)}/mcp`;
  idp = await startIdentityProvider({ port: 0, resourceServers: [...SEED_RESOURCE_SERVERS, { url: itsmUrl, name: 'mcp-itsm (test)' }] });
  itsm = startMcpProcess('mcp-itsm', itsmPort, { OIDC_ISSUER: idp.issuer, AUTHZ_MODE: 'wasm', AUTHZ_CACHE_TTL_MS: '0', SERVICENOW_INSTANCE_URL: sims.servicenow.url, REDIS_URL: redis.url });
  await itsm.start();
  deps = await buildDeps(
    loadConfig({ CATALYST_BASE_URL: sims.catalyst.url, SERVICENOW_INSTANCE_URL: sims.servicenow.url, ALLOW_DEV_SECRETS: 'true', AUTHZ_MODE: 'wasm', REDIS_URL: redis.url, RESOURCE_LOCK_WAIT_MS: '10000' }),
    captureLogger().logger,
  );
  holder = await createRedisConnection({ url: redis.url, logger: captureLogger().logger });
  carol = await connectRecordingClient(itsmUrl, await idp.issueToken({ user: 'carol', audience: itsmUrl, acr: 'mfa' }), { name: 'change-lock-test' });
}, 180_000);

afterAll(async () => {
  await carol?.c.close();
  await deps?.close();
  await holder?.close();
  await itsm?.stop();
  await Promise.allSettled([sims?.stop(), idp?.stop()]);
  await redis?.stop();
});

const changeRecord = (sysId: string) => sims.servicenow.state.tables.change_request.find((r) => r['sys_id'] === sysId);
const openInAuthorize = async (i: number) => {
  const change = await deps.itsm.openChange({ correlationId: `change-lock-${String(i)}-${String(Date.now())}`, shortDescription: `lock test ${String(i)}`, description: 'lock test', requestedBy: 'nina' });
  await deps.itsm.moveChange(change.sysId, 'authorize');
  return change;
};

it('while mcp-itsm’s lock on the change is held, the worker writes nothing and answers ERR_RESOURCE_BUSY after its wait', async () => {
  const change = await openInAuthorize(0);
  const before = { ...changeRecord(change.sysId) };
  // The lock as mcp-itsm takes it around a tool write: the spine's Redis lock, default prefix, mcp-itsm's key.
  const itsmSide = createRedisResourceLock({ redis: holder, waitMs: 1_000 });
  const quick = await buildDeps(
    loadConfig({ CATALYST_BASE_URL: sims.catalyst.url, SERVICENOW_INSTANCE_URL: sims.servicenow.url, ALLOW_DEV_SECRETS: 'true', AUTHZ_MODE: 'wasm', REDIS_URL: redis.url, RESOURCE_LOCK_WAIT_MS: '500' }),
    captureLogger().logger,
  );
  try {
    // mcp-itsm's key as its tool runner scopes it: `<server id>:change_request:<sys_id>`.
    const outcome = await itsmSide.withLock([`itsm:change_request:${change.sysId}`], async () => {
      const attempts = await Promise.allSettled([
        quick.itsm.addWorkNote(change.sysId, 'must wait'),
        quick.itsm.cancelChange(change.sysId, 'must wait'),
        quick.itsm.decideApproval(change.sysId, { approver: 'alice', decision: 'approved' }),
      ]);
      // Nothing reached the change while the lock was held.
      expect(changeRecord(change.sysId)).toEqual(before);
      return attempts;
    });
    for (const a of outcome) expect(a.status === 'rejected' ? a.reason : a.value).toBeInstanceOf(ResourceBusyError);
    expect(sims.servicenow.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === change.sysId && a['state'] === 'approved')).toEqual([]);
    // Released: the worker's write goes through.
    await quick.itsm.addWorkNote(change.sysId, 'after the lock');
    expect(Number(changeRecord(change.sysId)?.['sys_mod_count'])).toBeGreaterThan(Number(before['sys_mod_count']));
  } finally {
    await quick.close();
  }
}, 60_000);

it('the deployment’s approval (worker, alice) and carol’s approve_change_request (mcp-itsm) race on one change: one decision record, both name it', async () => {
  for (let i = 1; i <= ROUNDS; i++) {
    const change = await openInAuthorize(i);
    const [worker, tool] = await Promise.all([
      sleep(i % 3).then(() => deps.itsm.decideApproval(change.sysId, { approver: 'alice', decision: 'approved', comment: `deployment ${String(i)}` })),
      carol.c.callTool({ name: 'approve_change_request', arguments: { change: change.number, comment: `carol ${String(i)}` } }) as Promise<{ isError?: boolean; structuredContent?: unknown; content?: unknown }>,
    ]);
    expect(tool.isError, JSON.stringify(tool.content)).toBeFalsy();
    const viaTool = (tool.structuredContent as { approval: { approver: string; recorded: boolean } }).approval;
    const decided = sims.servicenow.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === change.sysId && a['state'] === 'approved');
    expect(decided, `round ${String(i)}`).toHaveLength(1);
    expect(worker.approver).toBe(viaTool.approver);
    expect([worker.recorded, viaTool.recorded].sort()).toEqual([false, true]);
    expect(changeRecord(change.sysId)?.['state']).toBe('-2');
  }
}, 180_000);

it('worker changes reference their requester in requested_by when ServiceNow knows them — so mcp-itsm’s four-eyes holds for them: carol cannot approve the change she requested', async () => {
  const carolsUser = sims.servicenow.state.tables.sys_user.find((u) => u['user_name'] === 'carol');
  expect(carolsUser).toBeDefined();
  const mine = await deps.itsm.openChange({ correlationId: `requested-by-carol-${String(Date.now())}`, shortDescription: 'requested by carol', description: 'four eyes', requestedBy: 'carol' });
  expect(changeRecord(mine.sysId)?.['requested_by']).toBe(carolsUser?.['sys_id']);
  await deps.itsm.moveChange(mine.sysId, 'authorize');
  const self = (await carol.c.callTool({ name: 'approve_change_request', arguments: { change: mine.number } })) as { isError?: boolean; content?: Array<{ text?: string }> };
  expect(self.isError).toBe(true);
  expect(JSON.stringify(self.content)).toMatch(/four-eyes/);
  expect(sims.servicenow.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === mine.sysId && a['state'] === 'approved')).toEqual([]);

  // A requester who is no ServiceNow user (nina): no reference, named in the description as before.
  const ninas = await deps.itsm.openChange({ correlationId: `requested-by-nina-${String(Date.now())}`, shortDescription: 'requested by nina', description: 'no sys_user', requestedBy: 'nina' });
  expect(changeRecord(ninas.sysId)).toMatchObject({ requested_by: '', description: expect.stringContaining('Requested by: nina') });
}, 60_000);
