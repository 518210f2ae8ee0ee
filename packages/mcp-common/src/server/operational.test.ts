import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { createMetrics } from '../metrics/index.ts';
import { listen, type RunningServer } from './listen.ts';
import { mountOperationalRoutes, type ManagementAccess } from './operational.ts';

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(access: ManagementAccess | undefined, ready = true): Promise<string> {
  const app = express();
  const metrics = createMetrics({ processMetrics: false });
  metrics.httpRequests.inc({ route: 'mcp', status: '200' });
  mountOperationalRoutes(app, {
    service: { name: 'svc', version: '1.0.0' },
    readiness: async () => ({ ready, checks: { 'identity-provider': true, secrets: ready } }),
    metrics,
    ...(access ? { access } : {}),
  });
  const running = await listen(app, { host: '127.0.0.1', port: 0, logger: new MemoryLogger() });
  servers.push(running);
  return running.url;
}

const TOKEN = 'management-token-0123456789';

describe('operational routes: probes for everyone, detail and metrics for the trusted', () => {
  it('an untrusted caller gets the probe status only, and no /metrics', async () => {
    const url = await serve({ token: TOKEN, trustLoopback: false }, false);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not-ready' });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const forged = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(forged.status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('the management token opens /metrics and the per-dependency detail', async () => {
    const url = await serve({ token: TOKEN, trustLoopback: false });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect(await (await fetch(`${url}/readyz`, { headers: auth })).json()).toEqual({ status: 'ready', checks: { 'identity-provider': true, secrets: true } });
    const metrics = await fetch(`${url}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('mcp_http_requests_total{route="mcp",status="200"} 1');
  });

  it('each scrape records the dependency checks in mcp_readiness_check (1 passed, 0 failed)', async () => {
    const up = await (await fetch(`${await serve(undefined, true)}/metrics`)).text();
    expect(up).toContain('mcp_readiness_check{check="secrets"} 1');
    const down = await (await fetch(`${await serve(undefined, false)}/metrics`)).text();
    expect(down).toContain('mcp_readiness_check{check="secrets"} 0');
    expect(down).toContain('mcp_readiness_check{check="identity-provider"} 1');
  });

  it('loopback callers are trusted by default (local runs), without a token', async () => {
    const url = await serve(undefined);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ checks: { secrets: true } });
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});
