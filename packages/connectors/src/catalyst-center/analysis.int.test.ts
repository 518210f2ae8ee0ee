import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_SEED_IDS, SEED_IDS, startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { fileIdFromTask, type CatalystAnalysisApi } from './analysis-methods.ts';
import { createCatalystCenterClient, type CatalystCenterClient } from './client.ts';

let sim: CatalystSimulator;
let catalyst: CatalystCenterClient & CatalystAnalysisApi;
const D = SEED_IDS.devices;

beforeAll(async () => {
  sim = await startCatalystCenterSimulator({ port: 0, username: 'svc', password: 'pw', taskDurationMs: 50 });
  catalyst = createCatalystCenterClient({ baseUrl: sim.url, credentials: async () => ({ username: 'svc', password: 'pw' }), policy: { timeoutMs: 5000, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 } } });
});
afterAll(async () => {
  await catalyst.close();
  await sim.stop();
});

describe('Catalyst Center analysis APIs through the client', () => {
  it('reads network, site, device and client health', async () => {
    const network = await catalyst.getNetworkHealth();
    expect(network.monitoredDevices).toBe(22);
    expect(network.healthDistirubution?.map((c) => c.category)).toContain('Core');
    const sites = await catalyst.getSiteHealth({ siteType: 'BUILDING' });
    expect(sites.map((s) => s.siteName).sort()).toEqual(['LON-02', 'NYC-05', 'SJC-01']);
    const devices = await catalyst.getDeviceHealth({ deviceRole: 'DISTRIBUTION', health: 'POOR' });
    expect(devices.map((d) => d.name)).toEqual(['nyc05-dist-01']);
    const [clients] = await catalyst.getClientHealth();
    expect(clients?.scoreDetail.length).toBe(3);
  });

  it('lists issues and enriches one; an unknown issue is undefined', async () => {
    const issues = await catalyst.listIssues({ issueStatus: 'ACTIVE' });
    expect(issues.length).toBe(3);
    const detail = await catalyst.getIssueEnrichment(ANALYSIS_SEED_IDS.issues.nyc05UplinkFlapping);
    expect(detail?.suggestedActions[0]?.steps).toContain('show interfaces TenGigabitEthernet1/1/1');
    expect(await catalyst.getIssueEnrichment('15000000-0000-4000-8000-0000000000ff')).toBeUndefined();
  });

  it('runs a read-only command end to end: read-request, task, file', async () => {
    expect(await catalyst.listLegitReads()).toContain('show');
    const ref = await catalyst.runReadOnlyCommands({ commands: ['show clock'], deviceUuids: [D.sjc01Acc01], timeout: 10 });
    const task = await catalyst.waitForTask(ref.taskId, { pollIntervalMs: 20, timeoutMs: 10_000 });
    const fileId = fileIdFromTask(task);
    expect(fileId).toMatch(/^[0-9a-f-]{36}$/);
    const [result] = await catalyst.getCommandRunnerFile(fileId!);
    expect(result?.commandResponses.SUCCESS['show clock']).toContain('UTC');
  });

  it('refuses a result file larger than maxBytes without reading it all', async () => {
    const ref = await catalyst.runReadOnlyCommands({ commands: ['show logging'], deviceUuids: [D.nyc05Dist01] });
    const task = await catalyst.waitForTask(ref.taskId, { pollIntervalMs: 20, timeoutMs: 10_000 });
    await expect(catalyst.getCommandRunnerFile(fileIdFromTask(task)!, { maxBytes: 64 * 1024 })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_INVALID_RESPONSE' });
    const [full] = await catalyst.getCommandRunnerFile(fileIdFromTask(task)!);
    expect(full?.commandResponses.SUCCESS['show logging']?.length).toBeGreaterThan(64 * 1024);
  });

  it('does not retry a read-request (it starts a task)', async () => {
    const before = sim.state.analysis.commandRequests.length;
    sim.failNext(1, 503);
    await expect(catalyst.runReadOnlyCommands({ commands: ['show clock'], deviceUuids: [D.sjc01Acc01] })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE' });
    expect(sim.state.analysis.commandRequests.length).toBe(before); // the injected 503 answered before the route
  });

  it('starts a path trace and reads it back', async () => {
    const ref = await catalyst.startPathTrace({ sourceIP: '10.30.120.1', destIP: '10.30.0.1' });
    let trace = await catalyst.getPathTrace(ref.flowAnalysisId);
    for (let i = 0; i < 200 && trace.request.status === 'INPROGRESS'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      trace = await catalyst.getPathTrace(ref.flowAnalysisId);
    }
    expect(trace.request.status).toBe('COMPLETED');
    expect(trace.networkElementsInfo.map((e) => e.name)).toEqual(['lon02-acc-01', 'lon02-dist-01', 'lon02-core-01']);
  });

  it('lists archived configurations and downloads one masked, as text', async () => {
    const files = await catalyst.listConfigFiles({ networkDeviceId: D.sjc01Acc02, fileType: 'RUNNINGCONFIG' });
    expect(files).toHaveLength(2);
    const text = await catalyst.downloadMaskedConfig(files[0]!.id);
    expect(text).toContain('hostname sjc01-acc-02');
    expect(text).toContain('snmp-server community *****');
  });
});

describe('fileIdFromTask', () => {
  it('reads the fileId from progress JSON or additionalStatusURL, else undefined', () => {
    expect(fileIdFromTask({ progress: '{"fileId":"f1"}' })).toBe('f1');
    expect(fileIdFromTask({ progress: 'CLI Runner request creation' })).toBeUndefined();
    expect(fileIdFromTask({ progress: null, additionalStatusURL: '/file/0b8f1a2c-1111-4222-8333-944444444444' })).toBe('0b8f1a2c-1111-4222-8333-944444444444');
    expect(fileIdFromTask({ progress: '{"other":1}' })).toBeUndefined();
  });
});
