import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type GitHubHarness } from './harness.ts';

// Degraded mode on mcp-github: GitHub goes down (every call 503) until its breaker opens; reads
// that were answered before come back from the read cache marked stale with their age, writes are
// refused with ERR_UPSTREAM_DEGRADED before anything reaches GitHub, /readyz says degraded.

let h: GitHubHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h?.sim.failNext(0, 503);
  await h?.stop();
});

const call = async (user: string, name: string, args: Record<string, unknown>) => (await (await h.client(user)).callTool({ name, arguments: args })) as CallToolResult;
const PULL = { owner: 'acme-net', repo: 'network-templates', pull_number: 4 };
const readyz = async () => {
  const r = await fetch(new URL('/readyz', h.server.url));
  return { status: r.status, body: (await r.json()) as { status: string; checks: Record<string, unknown> } };
};

describe('mcp-github in degraded mode (GitHub down, breaker open)', () => {
  it('reads from GitHub while it is up, unmarked', async () => {
    const r = await call('dave', 'get_pull_request', PULL);
    expect(r.isError).toBeFalsy();
    expect(r._meta?.['io.mcp-platform/stale']).toBeUndefined();
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', checks: { github: true } } });
  });

  it('answers the same read from the cache, marked stale with its age, once the breaker is open; /readyz says degraded', async () => {
    const fresh = await call('dave', 'get_pull_request', PULL);
    h.sim.failNext(10_000, 503);
    // Reads never answered before fail (nothing is invented) until the breaker opens.
    for (let i = 0; i < 3 && h.server.deps.github.breakerState() !== 'open'; i++) {
      const r = await call('dave', 'get_file', { owner: 'acme-net', repo: 'network-templates', path: `never-cached-${i}.txt` });
      expect(r.isError).toBe(true);
    }
    expect(h.server.deps.github.breakerState()).toBe('open');
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'degraded', checks: { github: 'degraded' } } });

    const stale = await call('dave', 'get_pull_request', PULL);
    expect(stale.isError).toBeFalsy();
    expect(stale.structuredContent).toEqual(fresh.structuredContent);
    const meta = stale._meta?.['io.mcp-platform/stale'] as { stale: boolean; ageMs: number; upstreams: string[] };
    expect(meta).toMatchObject({ stale: true, upstreams: ['github'] });
    expect(meta.ageMs).toBeGreaterThanOrEqual(0);
    expect(stale.content.at(-1)).toMatchObject({ type: 'text', text: expect.stringMatching(/^\(stale: GitHub is down; answered from the cache, \d+ s old\)$/) as unknown });
  });

  it('refuses a write with ERR_UPSTREAM_DEGRADED before anything reaches GitHub', async () => {
    const before = h.sim.state.requests.length;
    const r = await call('alice', 'create_issue', { owner: 'acme-net', repo: 'network-templates', title: 'Written while GitHub is down' });
    expect(r.isError).toBe(true);
    expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_UPSTREAM_DEGRADED', retryable: true });
    expect(h.sim.state.requests.length).toBe(before);
  });
});
