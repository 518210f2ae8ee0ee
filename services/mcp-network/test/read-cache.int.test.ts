import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startHarness, type NetworkHarness } from './harness.ts';

// mcp-network's fresh window (UPSTREAM_CACHE_FRESH_MS, default 2000) on the whole spine: repeated
// reads are answered from the read cache, a deploy through this server ends the window at once,
// deployment status is never frozen by it, and the policy still decides every call first. The
// server runs with a 60 s window so that no assertion depends on how fast this machine is.

const ACCESS_SWITCH = 'de000000-0000-4000-8000-000000000005'; // sjc01-acc-01
const ACCESS_SWITCH_2 = 'de000000-0000-4000-8000-000000000006'; // sjc01-acc-02
const INTERFACE_TEMPLATE = '7e000000-0000-4000-8000-000000000001'; // $interface, $description

let h: NetworkHarness;

beforeAll(async () => {
  h = await startHarness({ UPSTREAM_CACHE_FRESH_MS: '60000' });
});
afterAll(async () => {
  await h?.stop();
});

const simGets = (path: string) => h.sim.state.requests.filter((r) => r.method === 'GET' && r.path === path).length;
const devicePath = (id: string) => `/dna/intent/api/v1/network-device/${id}`;
const structured = (r: CallToolResult) => r.structuredContent as Record<string, unknown>;

async function getDevice(user: string, id: string): Promise<CallToolResult> {
  return (await (await h.client(user)).callTool({ name: 'get_device', arguments: { device_id: id } })) as CallToolResult;
}

describe('mcp-network: the read cache\'s fresh window', () => {
  it('is 2 s unless configured (the spine\'s default is 0), and 0 turns it off', () => {
    expect(loadConfig({}).UPSTREAM_CACHE_FRESH_MS).toBe(2_000);
    expect(loadConfig({ UPSTREAM_CACHE_FRESH_MS: '0' }).UPSTREAM_CACHE_FRESH_MS).toBe(0);
    expect(() => loadConfig({ UPSTREAM_CACHE_FRESH_MS: '-1' })).toThrow(/UPSTREAM_CACHE_FRESH_MS/);
  });

  it('answers a repeated read from the cache: Catalyst Center sees one request, the answers are equal and not marked stale', async () => {
    const before = simGets(devicePath(ACCESS_SWITCH_2));
    const first = await getDevice('nina', ACCESS_SWITCH_2);
    const second = await getDevice('nina', ACCESS_SWITCH_2);
    expect(first.isError).toBeFalsy();
    expect(second.structuredContent).toEqual(first.structuredContent);
    expect(second._meta?.['io.mcp-platform/stale']).toBeUndefined();
    expect(simGets(devicePath(ACCESS_SWITCH_2))).toBe(before + 1);
  });

  it('a read after a deploy through this server asks Catalyst Center again and sees what changed meanwhile', async () => {
    const device = h.sim.state.devices.find((d) => d.id === ACCESS_SWITCH);
    if (!device) throw new Error('seed device missing');
    device.reachabilityStatus = 'Reachable';
    const warm = await getDevice('nina', ACCESS_SWITCH);
    expect((structured(warm)['device'] as Record<string, unknown>)['reachabilityStatus']).toBe('Reachable');
    // Catalyst Center's view changes; inside the window this replica still answers what it read (documented bound).
    device.reachabilityStatus = 'Unreachable';
    const cached = await getDevice('nina', ACCESS_SWITCH);
    expect((structured(cached)['device'] as Record<string, unknown>)['reachabilityStatus']).toBe('Reachable');
    // A write through this server ends the window for every cached read of Catalyst Center.
    const deploy = (await (await h.client('nina')).callTool({
      name: 'deploy_template',
      arguments: { template_id: INTERFACE_TEMPLATE, device_ids: [ACCESS_SWITCH_2], params: { interface: 'Gi1/0/11', description: 'cache test' } },
    })) as CallToolResult;
    expect(deploy.isError).toBeFalsy();
    const before = simGets(devicePath(ACCESS_SWITCH));
    const after = await getDevice('nina', ACCESS_SWITCH);
    expect((structured(after)['device'] as Record<string, unknown>)['reachabilityStatus']).toBe('Unreachable');
    expect(simGets(devicePath(ACCESS_SWITCH))).toBe(before + 1);
    device.reachabilityStatus = 'Reachable';
  });

  it('never answers deployment status from the window: every poll reaches Catalyst Center and sees the task finish', async () => {
    const nina = await h.client('nina');
    const r = (await nina.callTool({
      name: 'deploy_template',
      arguments: { template_id: INTERFACE_TEMPLATE, device_ids: [ACCESS_SWITCH_2], params: { interface: 'Gi1/0/12', description: 'poll test' } },
    })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    const { taskId } = structured(r) as { taskId: string };
    const statusGets = () => h.sim.state.requests.filter((q) => q.method === 'GET' && q.path === `/dna/intent/api/v1/task/${taskId}`).length;
    const before = statusGets();
    let polls = 0;
    let status = 'PENDING';
    while (status === 'PENDING' && polls < 100) {
      const s = (await nina.callTool({ name: 'get_deployment_status', arguments: { task_id: taskId } })) as CallToolResult;
      polls++;
      status = String(structured(s)['status']);
      if (status === 'PENDING') await new Promise((res) => setTimeout(res, 30));
    }
    expect(status).toBe('SUCCESS');
    expect(polls).toBeGreaterThan(1);
    expect(statusGets() - before).toBeGreaterThanOrEqual(polls);
  });

  it('the policy decides before the cache: a caller denied get_device gets no cached device, however warm the cache', async () => {
    const warm = await getDevice('nina', ACCESS_SWITCH_2);
    expect(warm.isError).toBeFalsy();
    const denied = await getDevice('dave', ACCESS_SWITCH_2);
    expect(denied.isError).toBe(true);
    expect(denied.structuredContent).toBeUndefined();
    expect(JSON.stringify(denied)).not.toContain('sjc01-acc-02');
    expect(denied._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
  });
});
