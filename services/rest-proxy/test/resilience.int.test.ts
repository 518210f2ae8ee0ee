import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './harness.ts';

let h: ProxyHarness;

beforeAll(async () => {
  h = await startProxyHarness({ backends: ['network'], env: { BACKEND_BREAKER_FAILURES: '2', BACKEND_BREAKER_HALF_OPEN_MS: '1500' } });
});
afterAll(async () => {
  await h?.stop();
});

async function listDevices(base: string, token: string) {
  const res = await fetch(`${base}/api/v1/mcp/network/tools/list_devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ arguments: { limit: 1 } }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

async function servers(token: string) {
  const res = await fetch(`${h.proxyUrl}/api/v1/servers`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { servers: { name: string; status: string; breaker: string }[] }).servers;
}

describe('a stopped MCP server', () => {
  it('answers 503 with Retry-After, opens the breaker, and recovers when the server is back', async () => {
    const token = await h.token('nina');
    expect((await listDevices(h.proxyUrl, token)).status).toBe(200);

    await h.mcp['network']?.stop();
    const first = await listDevices(h.proxyUrl, token);
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', retryable: true });
    expect(Number(first.retryAfter)).toBeGreaterThan(0);
    await listDevices(h.proxyUrl, token);

    // Two consecutive failures: the breaker is open and calls fail fast.
    const open = await listDevices(h.proxyUrl, token);
    expect(open.status).toBe(503);
    expect(open.body['code']).toBe('ERR_CIRCUIT_OPEN');
    expect(open.retryAfter).toBe('2');
    expect(await servers(token)).toEqual([expect.objectContaining({ name: 'network', status: 'down', breaker: 'open' })]);

    await h.mcp['network']?.start();
    await new Promise((r) => setTimeout(r, 1_600));
    const back = await listDevices(h.proxyUrl, token);
    expect(back.status).toBe(200);
    expect(await servers(token)).toEqual([expect.objectContaining({ name: 'network', status: 'up', breaker: 'closed' })]);
    // Restarts an MCP server process: under a loaded CI runner that alone can take longer than the default 30 s.
  }, 120_000);

  it('a backend slower than the proxy timeout answers 504', async () => {
    const replica = await h.startReplica({ BACKEND_TIMEOUT_MS: '1' });
    const r = await listDevices(replica.url, await h.token('nina'));
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({ code: 'ERR_UPSTREAM_TIMEOUT', status: 504 });
  });
});
