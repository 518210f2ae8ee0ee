import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { isPlatformError } from '@mcp-platform/mcp-common/errors';
import { SEED_IDS, startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { createCatalystCenterClient, deploymentIdFromTask, type CatalystCenterClient, type CatalystCenterClientOptions } from './client.ts';

const USERNAME = 'netops-svc';
const PASSWORD = 'sim-password-7f3a9c';

let sim: CatalystSimulator;
let logger: MemoryLogger;
let clients: CatalystCenterClient[] = [];

function client(extra: Partial<CatalystCenterClientOptions> = {}): CatalystCenterClient {
  const c = createCatalystCenterClient({
    baseUrl: sim.url,
    credentials: async () => ({ username: USERNAME, password: PASSWORD }),
    logger,
    policy: { timeoutMs: 2000, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 50 }, breaker: { consecutiveFailures: 5, halfOpenAfterMs: 200 } },
    ...extra,
  });
  clients.push(c);
  return c;
}

const intentRequests = (method: string, pathPrefix: string) =>
  sim.state.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;

beforeAll(async () => {
  sim = await startCatalystCenterSimulator({ port: 0, username: USERNAME, password: PASSWORD, taskDurationMs: 250 });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => {
  logger = new MemoryLogger();
  sim.state.requests.length = 0;
  sim.state.deployments.length = 0;
  sim.failNext(0, 503);
  sim.setCredentials({ username: USERNAME, password: PASSWORD });
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  // Secrets never reach a log line.
  expect(logger.text()).not.toContain(PASSWORD);
});

describe('inventory', () => {
  it('an id list drops the null entries Catalyst Center answers for unknown ids (callers compare ids)', async () => {
    const c = client();
    const [first] = await c.listDevices({ role: 'CORE', limit: 1 });
    const found = await c.listDevices({ id: [first!.id, 'de000000-0000-4000-8000-0000000000ff'] });
    expect(found.map((d) => d.id)).toEqual([first!.id]);
  });

  it('lists devices with filters and 1-based paging', async () => {
    const c = client();
    const all = await c.listDevices();
    expect(all).toHaveLength(22);
    expect(await c.countDevices()).toBe(22);

    const cores = await c.listDevices({ role: 'CORE' });
    expect(cores.map((d) => d.hostname).sort()).toEqual(['lon02-core-01', 'nyc05-core-01', 'sjc01-core-01', 'sjc01-core-02']);
    expect(cores.every((d) => d.platformId === 'C9500-40X')).toBe(true);

    const page1 = await c.listDevices({ role: 'ACCESS', offset: 1, limit: 5 });
    const page2 = await c.listDevices({ role: 'ACCESS', offset: 6, limit: 5 });
    expect(page1).toHaveLength(5);
    expect(page2.map((d) => d.id)).not.toContain(page1[0]?.id);
    expect(page1[0]?.id).toBe(all.filter((d) => d.role === 'ACCESS')[0]?.id);

    const unreachable = await c.listDevices({ reachabilityStatus: 'Unreachable' });
    expect(unreachable.map((d) => d.hostname).sort()).toEqual(['lon02-acc-02', 'nyc05-acc-03']);

    const routers = await c.listDevices({ platformId: 'ISR4451-X/K9', role: 'BORDER ROUTER' });
    expect(routers).toHaveLength(3);
    expect(await c.listDevices({ hostname: '.*wlc.*' })).toHaveLength(2);
    expect(await c.listDevices({ hostname: ['sjc01-acc-01', 'sjc01-acc-02'] })).toHaveLength(2);
    expect(await c.listDevices({ managementIpAddress: '10.10.0.1' })).toMatchObject([{ hostname: 'sjc01-core-01' }]);
    await expect(c.listDevices({ offset: 0 })).rejects.toThrow(TypeError);
  });

  it('gets one device, and maps an unknown id to ERR_UPSTREAM_NOT_FOUND', async () => {
    const c = client();
    const device = await c.getDevice(SEED_IDS.devices.sjc01Core01);
    expect(device).toMatchObject({ id: SEED_IDS.devices.sjc01Core01, hostname: 'sjc01-core-01', role: 'CORE', family: 'Switches and Hubs', reachabilityStatus: 'Reachable' });
    expect(device.serialNumber).toBeTruthy();
    expect(device.softwareVersion).toBeTruthy();

    const before = intentRequests('GET', '/dna/intent/api/v1/network-device/');
    const err = await c.getDevice('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(isPlatformError(err, 'ERR_UPSTREAM_NOT_FOUND')).toBe(true);
    expect(err).toMatchObject({ status: 404, upstream: 'catalyst-center' });
    expect(intentRequests('GET', '/dna/intent/api/v1/network-device/') - before).toBe(1); // 404 is not retried
  });

  it('lists sites with their hierarchy', async () => {
    const c = client();
    const sites = await c.listSites();
    expect(sites.map((s) => s.siteNameHierarchy)).toContain('Global/US/San Jose/SJC-01');
    const buildings = await c.listSites({ type: 'building' });
    expect(buildings.map((s) => s.name).sort()).toEqual(['LON-02', 'NYC-05', 'SJC-01']);
    expect(await c.listSites({ name: 'Global/UK/London/LON-02' })).toMatchObject([{ id: SEED_IDS.sites.lon02 }]);
  });

  it('lists templates and reads one with its variables', async () => {
    const c = client();
    const templates = await c.listTemplates();
    expect(templates.map((t) => t.name).sort()).toEqual(['Access VLAN', 'Interface Description', 'Login Banner', 'NTP Servers', 'Syslog Server']);
    expect(await c.listTemplates({ productFamily: 'Routers' })).toHaveLength(3);
    const t = await c.getTemplate(SEED_IDS.templates.interfaceDescription);
    expect(t.templateContent).toContain('$interface');
    expect(t.templateParams.map((p) => [p.parameterName, p.required])).toEqual([
      ['interface', true],
      ['description', true],
    ]);
  });
});

describe('deployment', () => {
  it('deploys a template, follows the task to success and reads the deployment status', async () => {
    const c = client();
    const ref = await c.deployTemplate({
      templateId: SEED_IDS.templates.interfaceDescription,
      targetInfo: [{ id: SEED_IDS.devices.sjc01Acc01, type: 'MANAGED_DEVICE_UUID', params: { interface: 'GigabitEthernet1/0/10', description: 'AP uplink' } }],
    });
    expect(ref.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ref.url).toBe(`/api/v1/task/${ref.taskId}`);

    const pending = await c.getTask(ref.taskId);
    expect(pending.isError).toBe(false);
    expect(pending.endTime ?? undefined).toBeUndefined();

    const task = await c.waitForTask(ref.taskId, { pollIntervalMs: 20, timeoutMs: 5000 });
    expect(task.isError).toBe(false);
    expect(task.endTime).toBeTypeOf('number');
    const deploymentId = deploymentIdFromTask(task);
    expect(deploymentId).toBe(sim.state.deployments[0]?.deploymentId);

    const status = await c.getDeploymentStatus(deploymentId!);
    expect(status).toMatchObject({ status: 'SUCCESS', templateName: 'Interface Description' });
    expect(status.devices).toMatchObject([{ deviceId: SEED_IDS.devices.sjc01Acc01, status: 'SUCCESS' }]);
    expect(sim.state.deployments).toHaveLength(1);
    expect(sim.state.deployments[0]).toMatchObject({ outcome: 'accepted', status: 202 });
  });

  it('deploys by hostname to an unreachable device: the task fails', async () => {
    const c = client();
    const ref = await c.deployTemplate({
      templateId: SEED_IDS.templates.ntpServers,
      targetInfo: [
        { hostName: 'nyc05-acc-01', type: 'MANAGED_DEVICE_HOSTNAME', params: { ntpPrimary: '10.0.0.123' } },
        { hostName: 'nyc05-acc-03', type: 'MANAGED_DEVICE_HOSTNAME', params: { ntpPrimary: '10.0.0.123' } },
      ],
    });
    const task = await c.waitForTask(ref.taskId, { pollIntervalMs: 20, timeoutMs: 5000 });
    expect(task.isError).toBe(true);
    expect(task.failureReason).toContain('nyc05-acc-03');
    const status = await c.getDeploymentStatus(deploymentIdFromTask(task)!);
    expect(status.status).toBe('FAILURE');
    expect(Object.fromEntries(status.devices.map((d) => [d.name, d.status]))).toEqual({ 'nyc05-acc-01': 'SUCCESS', 'nyc05-acc-03': 'FAILURE' });
  });

  it('rejects unknown templates, unknown devices and missing variables with the upstream message', async () => {
    const c = client();
    await expect(
      c.deployTemplate({ templateId: '7e000000-0000-4000-8000-0000000000ff', targetInfo: [{ id: SEED_IDS.devices.sjc01Acc01, type: 'MANAGED_DEVICE_UUID' }] }),
    ).rejects.toMatchObject({ code: 'ERR_UPSTREAM_REJECTED', status: 400, message: expect.stringContaining('Template not found') });
    await expect(
      c.deployTemplate({ templateId: SEED_IDS.templates.loginBanner, targetInfo: [{ id: 'no-such-device', type: 'MANAGED_DEVICE_UUID' }] }),
    ).rejects.toMatchObject({ code: 'ERR_UPSTREAM_REJECTED', message: expect.stringContaining('Target device not found') });
    await expect(
      c.deployTemplate({
        templateId: SEED_IDS.templates.accessVlan,
        targetInfo: [{ id: SEED_IDS.devices.sjc01Acc01, type: 'MANAGED_DEVICE_UUID', params: { vlanId: 120 } }],
      }),
    ).rejects.toMatchObject({ code: 'ERR_UPSTREAM_REJECTED', message: expect.stringMatching(/vlanName, interface/) });
    expect(sim.state.deployments.map((d) => d.outcome)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(c.deployTemplate({ templateId: SEED_IDS.templates.loginBanner, targetInfo: [] })).rejects.toThrow(TypeError);
    expect(sim.state.deployments).toHaveLength(3); // caller misuse never reaches the upstream
  });
});

describe('authentication', () => {
  it('caches the token and re-authenticates transparently once it expires', async () => {
    const c = client();
    const issued = sim.state.tokensIssued;
    await c.listSites();
    await c.listTemplates();
    expect(sim.state.tokensIssued - issued).toBe(1);

    sim.expireTokens();
    const device = await c.getDevice(SEED_IDS.devices.nyc05Core01);
    expect(device.hostname).toBe('nyc05-core-01');
    expect(sim.state.tokensIssued - issued).toBe(2);
    expect(sim.state.requests.filter((r) => r.status === 401)).toHaveLength(1);

    // A 401 on the deploy POST is also safe to repeat once: nothing was deployed.
    sim.expireTokens();
    const ref = await c.deployTemplate({ templateId: SEED_IDS.templates.loginBanner, targetInfo: [{ id: SEED_IDS.devices.sjc01Core01, type: 'MANAGED_DEVICE_UUID' }] });
    expect(ref.taskId).toBeTruthy();
    expect(sim.state.deployments.map((d) => d.outcome)).toEqual(['unauthorized', 'accepted']);

    const text = logger.text();
    expect(sim.state.issuedTokens.length).toBeGreaterThanOrEqual(3);
    for (const t of sim.state.issuedTokens) expect(text).not.toContain(t);
  });

  it('reports rejected credentials as ERR_UPSTREAM_AUTH, logged, without retrying them', async () => {
    let credentialReads = 0;
    const c = client({
      credentials: async () => {
        credentialReads++;
        return { username: USERNAME, password: 'wrong-password' };
      },
    });
    const err = await c.listDevices().catch((e: unknown) => e);
    expect(isPlatformError(err, 'ERR_UPSTREAM_AUTH')).toBe(true);
    expect((err as Error).message).not.toContain('wrong-password');
    expect(logger.text()).toContain('catalyst center rejected the credentials');
    expect(credentialReads).toBe(1); // auth errors are never retried
    expect(intentRequests('GET', '/dna/intent')).toBe(0);
    expect(logger.text()).not.toContain('wrong-password');
  });

  it('picks up rotated credentials on the next token', async () => {
    let password = PASSWORD;
    const c = client({ credentials: async () => ({ username: USERNAME, password }) });
    await c.listSites();
    sim.setCredentials({ username: USERNAME, password: 'rotated-password' });
    password = 'rotated-password';
    sim.expireTokens();
    await expect(c.listSites()).resolves.toHaveLength(10);
  });
});

describe('resilience', () => {
  it('retries a GET after 503 and succeeds', async () => {
    const c = client();
    await c.listSites(); // token first, so the count below is about the GET only
    sim.state.requests.length = 0;
    sim.failNext(2, 503);
    const devices = await c.listDevices({ role: 'CORE' });
    expect(devices).toHaveLength(4);
    expect(intentRequests('GET', '/dna/intent/api/v1/network-device')).toBe(3);
    expect(logger.lines.filter((l) => l.message === 'retrying upstream call')).toHaveLength(2);
  });

  it('honours Retry-After on 429 for reads', async () => {
    const c = client();
    sim.failNext(1, 429, { retryAfterSeconds: 0 });
    await expect(c.listTemplates()).resolves.toHaveLength(5);
  });

  it('never retries the deploy POST', async () => {
    const c = client();
    await c.listSites();
    sim.failNext(1, 503);
    const err = await c
      .deployTemplate({ templateId: SEED_IDS.templates.loginBanner, targetInfo: [{ id: SEED_IDS.devices.sjc01Core01, type: 'MANAGED_DEVICE_UUID' }] })
      .catch((e: unknown) => e);
    expect(isPlatformError(err, 'ERR_UPSTREAM_UNAVAILABLE')).toBe(true);
    expect(sim.state.deployments).toHaveLength(1);
    expect(sim.state.deployments[0]?.outcome).toBe('injected-failure');
  });

  it('opens the breaker after repeated 5xx and stops calling the upstream', async () => {
    const states: string[] = [];
    const c = client({
      policy: { timeoutMs: 2000, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 }, breaker: { consecutiveFailures: 4, halfOpenAfterMs: 150 }, onStateChange: (s) => states.push(s) },
    });
    await c.listSites();
    sim.state.requests.length = 0;
    sim.failNext(100, 502);
    for (let i = 0; i < 2; i++) await expect(c.listDevices()).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', status: 502 });
    expect(c.breakerState()).toBe('open');
    const attempts = sim.state.requests.length;
    expect(attempts).toBe(4);

    await expect(c.listDevices()).rejects.toMatchObject({ code: 'ERR_CIRCUIT_OPEN' });
    await expect(
      c.deployTemplate({ templateId: SEED_IDS.templates.loginBanner, targetInfo: [{ id: SEED_IDS.devices.sjc01Core01, type: 'MANAGED_DEVICE_UUID' }] }),
    ).rejects.toMatchObject({ code: 'ERR_CIRCUIT_OPEN' });
    expect(sim.state.requests.length).toBe(attempts);
    expect(sim.state.deployments).toHaveLength(0);

    sim.failNext(0, 503);
    await new Promise((r) => setTimeout(r, 170));
    await expect(c.listDevices({ role: 'CORE' })).resolves.toHaveLength(4);
    expect(c.breakerState()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('maps an unreachable Catalyst Center to ERR_UPSTREAM_UNAVAILABLE', async () => {
    const dead = await startCatalystCenterSimulator({ port: 0, username: USERNAME, password: PASSWORD });
    const url = dead.url;
    await dead.stop();
    const c = client({ baseUrl: url, policy: { retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 } } });
    await expect(c.listSites()).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', status: undefined });
  });
});

describe('deploymentIdFromTask', () => {
  it('reads Catalyst Center spellings of the deployment id', () => {
    const id = '42446169-f534-4c7f-b356-52f6b4af7cfa';
    expect(deploymentIdFromTask({ progress: `Template Deployemnt Id: ${id}` })).toBe(id);
    expect(deploymentIdFromTask({ progress: `Template Deployment Id: ${id} | failureReason: ` })).toBe(id);
    expect(deploymentIdFromTask({ progress: 'In progress', data: id })).toBe(id);
    expect(deploymentIdFromTask({ progress: 'In progress' })).toBeUndefined();
  });
});
