import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS, defaultCatalystSeed } from './seed.ts';
import { startCatalystCenterSimulator, type CatalystSimulator } from './simulator.ts';

let sim: CatalystSimulator;
let token: string;

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function call(path: string, init: RequestInit & { auth?: string | null } = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.auth !== null) headers.set('x-auth-token', init.auth ?? token);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${sim.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const deploy = (body: unknown) => call('/dna/intent/api/v2/template-programmer/template/deploy', { method: 'POST', body: JSON.stringify(body) });

async function newToken(): Promise<string> {
  const res = await fetch(`${sim.url}/dna/system/api/v1/auth/token`, { method: 'POST', headers: { authorization: basic('admin', 'pw') } });
  return ((await res.json()) as { Token: string }).Token;
}

beforeAll(async () => {
  sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'pw', taskDurationMs: 200, tokenTtlMs: 60_000 });
  token = await newToken();
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => {
  sim.state.deployments.length = 0;
});

describe('seed', () => {
  it('has the documented inventory', () => {
    const seed = defaultCatalystSeed();
    expect(seed.devices.length).toBeGreaterThanOrEqual(20);
    expect(new Set(seed.devices.map((d) => d.role))).toEqual(new Set(['ACCESS', 'DISTRIBUTION', 'CORE', 'BORDER ROUTER']));
    expect(new Set(seed.devices.map((d) => d.platformId))).toEqual(new Set(['C9300-48U', 'C9500-40X', 'ISR4451-X/K9', 'C9800-40-K9']));
    expect(new Set(seed.devices.map((d) => d.id)).size).toBe(seed.devices.length);
    expect(seed.sites.filter((s) => s.additionalInfo.some((i) => i.attributes['type'] === 'building'))).toHaveLength(3);
    expect(seed.devices.find((d) => d.id === SEED_IDS.devices.nyc05Acc03)?.reachabilityStatus).toBe('Unreachable');
    for (const id of Object.values(SEED_IDS.devices)) expect(seed.devices.some((d) => d.id === id)).toBe(true);
  });
});

describe('auth', () => {
  it('issues a token for good Basic credentials and refuses bad ones', async () => {
    const bad = await fetch(`${sim.url}/dna/system/api/v1/auth/token`, { method: 'POST', headers: { authorization: basic('admin', 'nope') } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'Authentication has failed. Please provide valid credentials.' });
    const none = await fetch(`${sim.url}/dna/system/api/v1/auth/token`, { method: 'POST' });
    expect(none.status).toBe(401);
  });

  it('answers 401 with the Catalyst error body for a missing, unknown or expired token', async () => {
    expect(await call('/dna/intent/api/v1/site', { auth: null })).toMatchObject({
      status: 401,
      body: { response: { errorCode: 'UNAUTHORIZED', message: 'Unauthorized Access' }, version: '1.0' },
    });
    expect((await call('/dna/intent/api/v1/site', { auth: 'forged' })).status).toBe(401);
    const mine = await newToken();
    expect((await call('/dna/intent/api/v1/site', { auth: mine })).status).toBe(200);
    sim.expireTokens();
    expect((await call('/dna/intent/api/v1/site', { auth: mine })).status).toBe(401);
    token = await newToken();
  });

  it('accepts changed credentials', async () => {
    sim.setCredentials({ username: 'svc', password: 'rotated' });
    const res = await fetch(`${sim.url}/dna/system/api/v1/auth/token`, { method: 'POST', headers: { authorization: basic('svc', 'rotated') } });
    expect(res.status).toBe(200);
    sim.setCredentials({ username: 'admin', password: 'pw' });
  });
});

describe('inventory', () => {
  it('pages devices with a 1-based offset and validates paging', async () => {
    const first = (await call('/dna/intent/api/v1/network-device?offset=1&limit=3')).body as { response: Array<{ id: string }> };
    const second = (await call('/dna/intent/api/v1/network-device?offset=2&limit=3')).body as { response: Array<{ id: string }> };
    expect(first.response).toHaveLength(3);
    expect(second.response[0]?.id).toBe(first.response[1]?.id);
    expect(await call('/dna/intent/api/v1/network-device?offset=0')).toMatchObject({ status: 400, body: { response: { message: 'Invalid offset' } } });
    expect((await call('/dna/intent/api/v1/network-device?limit=501')).status).toBe(400);
    expect((await call('/dna/intent/api/v1/network-device/count')).body).toEqual({ response: 22, version: '1.0' });
    expect((await call('/dna/intent/api/v1/network-device?role=CORE&role=BORDER%20ROUTER')).body).toMatchObject({ response: expect.any(Array) });
    expect(((await call('/dna/intent/api/v1/network-device?role=CORE,BORDER%20ROUTER')).body as { response: unknown[] }).response).toHaveLength(7);
  });

  it('answers an id list with one entry per id — null for an unknown one — ignoring the other filters, as Catalyst Center does', async () => {
    const [core] = sim.state.devices.filter((d) => d.role === 'CORE');
    const unknown = 'de000000-0000-4000-8000-0000000000ff';
    const res = await call(`/dna/intent/api/v1/network-device?id=${core!.id},${unknown}&role=ACCESS&limit=1`);
    expect(res).toMatchObject({ status: 200, body: { response: [{ id: core!.id, role: 'CORE' }, null], version: '1.0' } });
  });

  it('answers unknown resources with a Catalyst 404 body', async () => {
    expect(await call('/dna/intent/api/v1/network-device/nope')).toMatchObject({ status: 404, body: { response: { errorCode: 'NCND01050' }, version: '1.0' } });
    expect((await call('/dna/intent/api/v1/task/nope')).status).toBe(404);
    expect((await call('/dna/intent/api/v1/does-not-exist')).status).toBe(404);
  });
});

describe('deploy', () => {
  it('runs a deployment asynchronously: pending task, then success and per-device status', async () => {
    const res = await deploy({
      templateId: SEED_IDS.templates.accessVlan,
      forcePushTemplate: true,
      targetInfo: [{ id: '10.10.2.1', type: 'MANAGED_DEVICE_IP', params: { vlanId: '120', vlanName: 'printers', interface: 'Gi1/0/5' } }],
    });
    expect(res.status).toBe(202);
    const { taskId, url } = (res.body as { response: { taskId: string; url: string } }).response;
    expect(url).toBe(`/api/v1/task/${taskId}`);
    const pending = (await call(`/dna/intent/api/v1/task/${taskId}`)).body as { response: Record<string, unknown> };
    expect(pending.response).toMatchObject({ id: taskId, isError: false });
    expect(pending.response['endTime']).toBeUndefined();
    const deploymentId = String(pending.response['progress']).replace('Template Deployemnt Id: ', '');
    expect((await call(`/dna/intent/api/v1/template-programmer/template/deploy/status/${deploymentId}`)).body).toMatchObject({ status: 'IN_PROGRESS' });

    await new Promise((r) => setTimeout(r, 230));
    const done = (await call(`/dna/intent/api/v1/task/${taskId}`)).body as { response: Record<string, unknown> };
    expect(done.response).toMatchObject({ isError: false, endTime: expect.any(Number) });
    expect((await call(`/dna/intent/api/v1/template-programmer/template/deploy/status/${deploymentId}`)).body).toMatchObject({
      deploymentId,
      status: 'SUCCESS',
      templateName: 'Access VLAN',
      devices: [{ deviceId: SEED_IDS.devices.sjc01Acc01, status: 'SUCCESS' }],
    });
    expect(sim.state.deployments).toMatchObject([{ outcome: 'accepted', status: 202, taskId, deploymentId }]);
    expect(sim.state.deploymentsById.get(deploymentId)?.devices[0]?.params).toEqual({ vlanId: '120', vlanName: 'printers', interface: 'Gi1/0/5' });
  });

  it('validates the request and records every attempt', async () => {
    const cases: Array<[unknown, string]> = [
      [{ targetInfo: [] }, 'Invalid input'],
      [{ templateId: 'nope', targetInfo: [{ id: SEED_IDS.devices.sjc01Acc01, type: 'MANAGED_DEVICE_UUID' }] }, 'Template not found'],
      [{ templateId: SEED_IDS.templates.loginBanner, targetInfo: [] }, 'Invalid input'],
      [{ templateId: SEED_IDS.templates.loginBanner, targetInfo: [{ id: 'x', type: 'MANAGED_DEVICE_UUID' }] }, 'Target device not found'],
      [{ templateId: SEED_IDS.templates.loginBanner, targetInfo: [{ id: 'x', type: 'SOMETHING' }] }, 'Invalid input'],
      [{ templateId: SEED_IDS.templates.interfaceDescription, targetInfo: [{ id: SEED_IDS.devices.sjc01Br01, type: 'MANAGED_DEVICE_UUID', params: { interface: 'g0', description: 'd' } }] }, 'Template not applicable'],
      [{ templateId: SEED_IDS.templates.interfaceDescription, targetInfo: [{ id: SEED_IDS.devices.sjc01Acc01, type: 'MANAGED_DEVICE_UUID', params: { interface: 'g0' } }] }, 'Missing template parameters'],
      [{ templateId: SEED_IDS.templates.accessVlan, targetInfo: [{ id: SEED_IDS.devices.sjc01Acc01, type: 'MANAGED_DEVICE_UUID', params: { vlanId: 'ten', vlanName: 'a', interface: 'b' } }] }, 'Invalid template parameter'],
    ];
    for (const [body, message] of cases) {
      const res = await deploy(body);
      expect(res.status, message).toBe(400);
      expect(res.body).toMatchObject({ response: { message, errorCode: expect.any(String), detail: expect.any(String) }, version: '1.0' });
    }
    const badJson = await call('/dna/intent/api/v2/template-programmer/template/deploy', { method: 'POST', body: '{not json' });
    expect(badJson.status).toBe(400);
    expect(sim.state.deployments).toHaveLength(cases.length + 1);
    expect(sim.state.deployments.every((d) => d.outcome === 'rejected' && d.status === 400)).toBe(true);
  });

  it('fails the task of a deployment that targets an unreachable device', async () => {
    const res = await deploy({ templateId: SEED_IDS.templates.loginBanner, targetInfo: [{ id: SEED_IDS.devices.lon02Acc02, type: 'MANAGED_DEVICE_UUID' }] });
    const { taskId } = (res.body as { response: { taskId: string } }).response;
    await new Promise((r) => setTimeout(r, 230));
    const task = (await call(`/dna/intent/api/v1/task/${taskId}`)).body as { response: Record<string, unknown> };
    expect(task.response).toMatchObject({ isError: true, failureReason: expect.stringContaining('lon02-acc-02'), endTime: expect.any(Number) });
  });
});

describe('fault injection', () => {
  it('fails the next n Intent API calls with the given status, then recovers', async () => {
    sim.failNext(2, 503);
    expect((await call('/dna/intent/api/v1/site')).status).toBe(503);
    // The token endpoint is not affected.
    expect((await fetch(`${sim.url}/dna/system/api/v1/auth/token`, { method: 'POST', headers: { authorization: basic('admin', 'pw') } })).status).toBe(200);
    expect((await deploy({})).status).toBe(503);
    expect((await call('/dna/intent/api/v1/site')).status).toBe(200);
    expect(sim.state.deployments).toMatchObject([{ outcome: 'injected-failure', status: 503 }]);

    sim.failNext(1, 429, { retryAfterSeconds: 2 });
    const limited = await call('/dna/intent/api/v1/site');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(() => sim.failNext(1, 200)).toThrow(TypeError);
  });
});
