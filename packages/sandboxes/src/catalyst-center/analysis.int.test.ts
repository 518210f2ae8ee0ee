import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_SEED_IDS, SIM_DEVICE_SECRETS } from './analysis-seed.ts';
import { SEED_IDS } from './seed.ts';
import { startCatalystCenterSimulator, type CatalystSimulator } from './simulator.ts';

let sim: CatalystSimulator;
let token: string;
const D = SEED_IDS.devices;

async function call(path: string, init: RequestInit & { auth?: string | null } = {}): Promise<{ status: number; body: unknown; text: string }> {
  const headers = new Headers(init.headers);
  if (init.auth !== null) headers.set('x-auth-token', init.auth ?? token);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${sim.url}/dna/intent/api${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
const post = (path: string, body: unknown) => call(path, { method: 'POST', body: JSON.stringify(body) });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds (tasks finish by the clock; the machine may be slow). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (done(v)) return v;
    await wait(25);
  }
  throw new Error('condition not reached in 5 s');
}

/** Runs `fn` with analysis tasks taking `ms` (then restores the default). */
async function withDuration<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  sim.state.analysis.commandTaskDurationMs = ms;
  sim.state.analysis.pathTraceDurationMs = ms;
  try {
    return await fn();
  } finally {
    sim.state.analysis.commandTaskDurationMs = 60;
    sim.state.analysis.pathTraceDurationMs = 60;
  }
}

beforeAll(async () => {
  sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'pw', taskDurationMs: 60 });
  const res = await fetch(`${sim.url}/dna/system/api/v1/auth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` } });
  token = ((await res.json()) as { Token: string }).Token;
});
afterAll(async () => {
  await sim.stop();
});

describe('analysis endpoints need a token like every Intent API call', () => {
  it.each(['/v1/device-health', '/v1/issues', '/v1/network-device-poller/cli/legit-reads', '/v1/networkDeviceConfigFiles'])('%s without a token → 401', async (path) => {
    expect((await call(path, { auth: null })).status).toBe(401);
  });
});

describe('Assurance', () => {
  it('device-health filters by role, health and site and validates them', async () => {
    const poor = (await call('/v1/device-health?health=POOR')).body as { response: { name: string; overallHealth: number }[] };
    expect(poor.response.every((d) => d.overallHealth <= 3)).toBe(true);
    expect(poor.response.map((d) => d.name)).toContain('nyc05-dist-01');
    const routers = (await call('/v1/device-health?deviceRole=router')).body as { response: { name: string }[] };
    expect(routers.response.map((d) => d.name).sort()).toEqual(['lon02-br-01', 'nyc05-br-01', 'sjc01-br-01']);
    const nyc = (await call(`/v1/device-health?siteId=${SEED_IDS.sites.nyc05}`)).body as { totalCount: number };
    expect(nyc.totalCount).toBe(7);
    expect((await call('/v1/device-health?deviceRole=SPINE')).status).toBe(400);
    expect((await call('/v1/device-health?health=BAD')).status).toBe(400);
  });

  it('network-health keeps Cisco\'s field spellings', async () => {
    const body = (await call('/v1/network-health')).body as Record<string, unknown>;
    expect(body).toHaveProperty('healthDistirubution');
    expect(body['monitoredDevices']).toBe(22);
  });

  it('issues filter by priority, status and device; enrichment needs its headers', async () => {
    const p1 = (await call('/v1/issues?priority=P1&issueStatus=ACTIVE')).body as { response: { issueId: string }[] };
    expect(p1.response.map((i) => i.issueId).sort()).toEqual([ANALYSIS_SEED_IDS.issues.nyc05UplinkFlapping, ANALYSIS_SEED_IDS.issues.nyc05Acc03Unreachable].sort());
    const byDevice = (await call(`/v1/issues?deviceId=${D.sjc01Acc02}`)).body as { response: { name: string }[] };
    expect(byDevice.response).toHaveLength(1);
    expect((await call('/v1/issues?priority=P9')).status).toBe(400);
    expect((await call('/v1/issue-enrichment-details')).status).toBe(400);
    const detail = (await call('/v1/issue-enrichment-details', { headers: { entity_type: 'issue_id', entity_value: ANALYSIS_SEED_IDS.issues.sjc01Acc02InterfaceErrors } })).body as {
      issueDetails: { issue: { suggestedActions: unknown[] }[] };
    };
    expect(detail.issueDetails.issue[0]?.suggestedActions.length).toBeGreaterThan(0);
    const none = (await call('/v1/issue-enrichment-details', { headers: { entity_type: 'issue_id', entity_value: 'nope' } })).body as { issueDetails: { issue: unknown[] } };
    expect(none.issueDetails.issue).toEqual([]);
  });
});

describe('Command Runner', () => {
  it('runs commands asynchronously: task pending, then fileId in progress, then the file', async () => {
    await withDuration(60_000, async () => {
      const slow = await post('/v1/network-device-poller/cli/read-request', { commands: ['show clock'], deviceUuids: [D.sjc01Acc01] });
      const { taskId } = (slow.body as { response: { taskId: string } }).response;
      const pending = (await call(`/v1/task/${taskId}`)).body as { response: { endTime?: number; progress: string } };
      expect(pending.response.endTime).toBeUndefined();
      expect(pending.response.progress).toBe('CLI Runner request creation');
    });
    const started = await post('/v1/network-device-poller/cli/read-request', { commands: ['show version', 'conf t'], deviceUuids: [D.sjc01Acc01, D.nyc05Acc03], timeout: 20 });
    expect(started.status).toBe(202);
    const { taskId } = (started.body as { response: { taskId: string } }).response;
    type TaskBody = { response: { endTime?: number; progress: string; isError: boolean } };
    const done = await until(async () => (await call(`/v1/task/${taskId}`)).body as TaskBody, (b) => b.response.endTime !== undefined);
    expect(done.response.isError).toBe(false);
    const { fileId } = JSON.parse(done.response.progress) as { fileId: string };
    const file = (await call(`/v1/file/${fileId}`)).body as { deviceUuid: string; commandResponses: Record<string, Record<string, string>> }[];
    expect(file[0]?.commandResponses['SUCCESS']?.['show version']).toContain('Cisco IOS XE Software');
    expect(file[0]?.commandResponses['BLACKLISTED']?.['conf t']).toBeDefined();
    expect(file[1]?.commandResponses['FAILURE']?.['show version']).toMatch(/did not respond within 20 seconds/);
    expect(sim.state.analysis.commandRequests.at(-1)).toMatchObject({ commands: ['show version', 'conf t'], status: 202, timeout: 20 });
  });

  it('prints the running configuration with its secrets, like a real device', async () => {
    const { taskId } = ((await post('/v1/network-device-poller/cli/read-request', { commands: ['sh run'], deviceUuids: [D.sjc01Acc02] })).body as { response: { taskId: string } }).response;
    type TaskBody = { response: { endTime?: number; progress: string } };
    const done = await until(async () => (await call(`/v1/task/${taskId}`)).body as TaskBody, (b) => b.response.endTime !== undefined);
    const { fileId } = JSON.parse(done.response.progress) as { fileId: string };
    const out = JSON.stringify((await call(`/v1/file/${fileId}`)).body);
    expect(out).toContain(SIM_DEVICE_SECRETS.snmpRo);
    expect(out).toContain('duplex half');
  });

  it.each([
    [{ commands: [], deviceUuids: ['x'] }, /commands/],
    [{ commands: ['show version'] }, /deviceUuids/],
    [{ commands: ['a', 'b', 'c', 'd', 'e', 'f'], deviceUuids: ['x'] }, /at most 5 commands/],
    [{ commands: ['show version'], deviceUuids: ['de000000-0000-4000-8000-0000000000ff'] }, /Unknown device/],
    [{ commands: ['show version'], deviceUuids: ['x'], timeout: -1 }, /timeout/],
  ])('refuses a bad read-request %j with 400', async (body, detail) => {
    const r = await post('/v1/network-device-poller/cli/read-request', body);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(detail);
  });

  it('answers unknown tasks and files with 404', async () => {
    expect((await call('/v1/task/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('/v1/file/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('lists the accepted first keywords', async () => {
    expect(((await call('/v1/network-device-poller/cli/legit-reads')).body as { response: string[] }).response).toContain('show');
  });
});

describe('Path Trace', () => {
  it('is INPROGRESS, then COMPLETED with hops; bad input is 400, unknown id 404', async () => {
    type Trace = { response: { request: { status: string; failureReason?: string }; networkElementsInfo: { name: string }[] } };
    await withDuration(60_000, async () => {
      const slow = await post('/v1/flow-analysis', { sourceIP: '10.10.120.5', destIP: '10.10.160.5' });
      const { flowAnalysisId } = (slow.body as { response: { flowAnalysisId: string } }).response;
      expect(((await call(`/v1/flow-analysis/${flowAnalysisId}`)).body as Trace).response.request.status).toBe('INPROGRESS');
    });
    const r = await post('/v1/flow-analysis', { sourceIP: '10.10.120.5', destIP: '10.10.160.5', protocol: 'TCP', destPort: '443' });
    expect(r.status).toBe(202);
    const { flowAnalysisId } = (r.body as { response: { flowAnalysisId: string } }).response;
    const done = await until(async () => (await call(`/v1/flow-analysis/${flowAnalysisId}`)).body as Trace, (b) => b.response.request.status !== 'INPROGRESS');
    expect(done.response.request.status).toBe('COMPLETED');
    expect(done.response.networkElementsInfo.map((e) => e.name)).toEqual(['sjc01-acc-01', 'sjc01-dist-01', 'sjc01-acc-02']);
    expect((await post('/v1/flow-analysis', { sourceIP: 'nope', destIP: '10.0.0.1' })).status).toBe(400);
    expect((await post('/v1/flow-analysis', { sourceIP: '10.10.120.5', destIP: '10.10.160.5', destPort: '443' })).status).toBe(400);
    expect((await call('/v1/flow-analysis/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('fails a path through an unreachable device', async () => {
    const r = await post('/v1/flow-analysis', { sourceIP: '10.20.210.5', destIP: '10.20.110.5' });
    const { flowAnalysisId } = (r.body as { response: { flowAnalysisId: string } }).response;
    type Trace = { response: { request: { status: string; failureReason: string } } };
    const done = await until(async () => (await call(`/v1/flow-analysis/${flowAnalysisId}`)).body as Trace, (b) => b.response.request.status !== 'INPROGRESS');
    expect(done.response.request).toMatchObject({ status: 'FAILED', failureReason: expect.stringContaining('nyc05-acc-03') });
  });
});

describe('Configuration Archive', () => {
  it('lists versions newest first and downloads them masked', async () => {
    const files = ((await call(`/v1/networkDeviceConfigFiles?networkDeviceId=${D.sjc01Acc02}`)).body as { response: { id: string; createdBy: string }[] }).response;
    expect(files.map((f) => f.id)).toEqual([ANALYSIS_SEED_IDS.configFiles.sjc01Acc02After, ANALYSIS_SEED_IDS.configFiles.sjc01Acc02Before]);
    const masked = await call(`/v1/networkDeviceConfigFiles/${files[0]!.id}/downloadMasked`, { method: 'POST' });
    expect(masked.status).toBe(200);
    expect(masked.text).toContain('duplex half');
    for (const secret of Object.values(SIM_DEVICE_SECRETS)) expect(masked.text).not.toContain(secret);
    expect((await call('/v1/networkDeviceConfigFiles/nope/downloadMasked', { method: 'POST' })).status).toBe(404);
    expect((await call(`/v1/networkDeviceConfigFiles?networkDeviceId=${['a', 'b', 'c', 'd', 'e', 'f'].join(',')}`)).status).toBe(400);
  });
});
