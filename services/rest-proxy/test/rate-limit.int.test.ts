import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { freePort } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRedisServer } from '@mcp-platform/tooling/redis';
import type { RunningRestProxy } from '../src/app.ts';
import { startProxyHarness, type ProxyHarness } from './harness.ts';

let h: ProxyHarness;
let redis: ChildProcess;
let redisUrl: string;
let replica: RunningRestProxy;

async function startRedis(): Promise<{ process: ChildProcess; url: string }> {
  const bin = ensureRedisServer();
  const port = await freePort();
  const p = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `redis://127.0.0.1:${port}`;
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      await client.close();
      return { process: p, url };
    } catch (err) {
      if (Date.now() > deadline || p.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  ({ process: redis, url: redisUrl } = await startRedis());
  h = await startProxyHarness({ backends: ['network'], env: { REDIS_URL: redisUrl, RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '4', RATE_LIMIT_BURST_WINDOW_SECONDS: '60', REFUSAL_DELAY_MS: '0' } });
  replica = await h.startReplica();
});
afterAll(async () => {
  await h?.stop();
  redis?.kill('SIGTERM');
});

const get = (base: string, token: string) => fetch(`${base}/api/v1/servers`, { headers: { authorization: `Bearer ${token}` } });

describe('rate limits shared by two proxy replicas through one redis-server', () => {
  it('counts one client identity across both replicas and answers 429 with Retry-After past the limit', async () => {
    const nina = await h.token('nina');
    const statuses: number[] = [];
    for (const base of [h.proxy.url, replica.url, h.proxy.url, replica.url, h.proxy.url]) statuses.push((await get(base, nina)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // 1 steady + 4 burst, shared by both replicas; the steady token comes back every second, so a slow
    // machine gets one more 200 per second it takes — the count stays far below two replicas' own budgets (10).
    const started = Date.now();
    let last = await get(replica.url, nina);
    let extra = 0;
    while (last.status !== 429 && extra < 10) {
      extra++;
      last = await get(extra % 2 ? h.proxy.url : replica.url, nina);
    }
    expect(last.status).toBe(429);
    expect(extra).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    expect(last.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.headers.get('ratelimit')).toMatch(/^"rest-proxy"; r=0; t=\d+$/);
    expect(await last.json()).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED' });

    // Another identity has its own budget.
    expect((await get(replica.url, await h.token('sam'))).status).toBe(200);

    // The counters are in Redis, keyed by client and subject.
    const client = createClient({ url: redisUrl });
    await client.connect();
    const keys = await client.keys('mcp:rl:rest-proxy:*');
    await client.close();
    // nina spent her burst (kept 60 s); the 1-s steady windows may already have expired.
    expect(keys).toContain('mcp:rl:rest-proxy:burst:mcp-dev-cli/nina');
    for (const key of keys) expect(key).toMatch(/^mcp:rl:rest-proxy:(rate|burst):mcp-dev-cli\/(nina|sam)$/);
  });

  it('reports the shared store in readiness', async () => {
    const ready = (await (await fetch(`${replica.url}/readyz`)).json()) as { checks: Record<string, boolean> };
    expect(ready.checks['rate-limit-store']).toBe(true);
  });
});
