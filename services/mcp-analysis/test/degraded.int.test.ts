import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type AnalysisHarness } from './harness.ts';

// Degraded mode on mcp-analysis: Catalyst Center goes down (every Intent API call 503) until its
// breaker opens; Assurance reads answered before come back from the read cache marked stale with
// their age, commands (execute) are refused with ERR_UPSTREAM_DEGRADED before anything reaches
// Catalyst Center, /readyz says degraded.

let h: AnalysisHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h?.sim.failNext(0, 503);
  await h?.stop();
});

const call = async (user: string, name: string, args: Record<string, unknown>) => (await (await h.client(user)).callTool({ name, arguments: args })) as CallToolResult;
const NETWORK = {};
const readyz = async () => {
  const r = await fetch(new URL('/readyz', h.server.url));
  return { status: r.status, body: (await r.json()) as { status: string; checks: Record<string, unknown> } };
};

describe('mcp-analysis in degraded mode (Catalyst Center down, breaker open)', () => {
  it('reads from Catalyst Center while it is up, unmarked', async () => {
    const r = await call('sam', 'get_network_health', NETWORK);
    expect(r.isError).toBeFalsy();
    expect(r._meta?.['io.mcp-platform/stale']).toBeUndefined();
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', checks: { 'catalyst-center': true } } });
  });

  it('answers the same read from the cache, marked stale with its age, once the breaker is open; /readyz says degraded', async () => {
    const fresh = await call('sam', 'get_network_health', NETWORK);
    h.sim.failNext(10_000, 503);
    // Reads never answered before fail (nothing is invented) until the breaker opens.
    for (let i = 0; i < 3 && h.server.deps.catalyst.breakerState() !== 'open'; i++) {
      const r = await call('sam', 'get_site_health', { site_type: i % 2 === 0 ? 'AREA' : 'BUILDING' });
      expect(r.isError).toBe(true);
    }
    expect(h.server.deps.catalyst.breakerState()).toBe('open');
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'degraded', checks: { 'catalyst-center': 'degraded' } } });

    const stale = await call('sam', 'get_network_health', NETWORK);
    expect(stale.isError).toBeFalsy();
    expect(stale.structuredContent).toEqual(fresh.structuredContent);
    const meta = stale._meta?.['io.mcp-platform/stale'] as { stale: boolean; ageMs: number; upstreams: string[] };
    expect(meta).toMatchObject({ stale: true, upstreams: ['catalyst-center'] });
    expect(meta.ageMs).toBeGreaterThanOrEqual(0);
    expect(stale.content.at(-1)).toMatchObject({ type: 'text', text: expect.stringMatching(/^\(stale: Catalyst Center is down; answered from the cache, \d+ s old\)$/) as unknown });
  });

  it('refuses a command (execute) with ERR_UPSTREAM_DEGRADED before anything reaches Catalyst Center', async () => {
    const before = h.sim.state.requests.length;
    const r = await call('sam', 'run_show_command', { command: 'show version', device_ids: [SEED_IDS.devices.sjc01Acc01] });
    expect(r.isError).toBe(true);
    expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_UPSTREAM_DEGRADED', retryable: true });
    expect(h.sim.state.requests.length).toBe(before);
  });
});
