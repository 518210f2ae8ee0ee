import type { CallToolResult } from '@modelcontextprotocol/client';
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startHarness, type AnalysisHarness } from './harness.ts';

// mcp-analysis's fresh window (UPSTREAM_CACHE_FRESH_MS, default 2000 since session 7, as mcp-network's):
// a repeated Assurance read is answered from the read cache, and a command run through this server ends
// the window at once. The server runs with a 60 s window so that no assertion depends on this machine's speed.

let h: AnalysisHarness;
beforeAll(async () => {
  h = await startHarness({ UPSTREAM_CACHE_FRESH_MS: '60000' });
});
afterAll(async () => {
  await h?.stop();
});

const NETWORK_HEALTH = '/dna/intent/api/v1/network-health';
const simGets = (path: string) => h.sim.state.requests.filter((r) => r.method === 'GET' && r.path === path).length;
const call = async (user: string, name: string, args: Record<string, unknown>) => (await (await h.client(user)).callTool({ name, arguments: args })) as CallToolResult;

describe("mcp-analysis: the read cache's fresh window", () => {
  it("is 2 s unless configured (the spine's default is 0), and 0 turns it off", () => {
    expect(loadConfig({ CATALYST_BASE_URL: 'http://127.0.0.1:9401' }).UPSTREAM_CACHE_FRESH_MS).toBe(2_000);
    expect(loadConfig({ CATALYST_BASE_URL: 'http://127.0.0.1:9401', UPSTREAM_CACHE_FRESH_MS: '0' }).UPSTREAM_CACHE_FRESH_MS).toBe(0);
  });

  it('answers a repeated Assurance read from the cache, and a command run ends the window', async () => {
    const before = simGets(NETWORK_HEALTH);
    const first = await call('sam', 'get_network_health', {});
    const second = await call('sam', 'get_network_health', {});
    expect(first.isError).toBeFalsy();
    expect(second.structuredContent).toEqual(first.structuredContent);
    expect(simGets(NETWORK_HEALTH)).toBe(before + 1);

    // A command is a call to Catalyst Center that is not a cached read: the next read asks again.
    const ran = await call('sam', 'run_show_command', { command: 'show version', device_ids: [SEED_IDS.devices.sjc01Acc01] });
    expect(ran.isError).toBeFalsy();
    await call('sam', 'get_network_health', {});
    expect(simGets(NETWORK_HEALTH)).toBe(before + 2);
  });
});
