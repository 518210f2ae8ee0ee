/**
 * A backend that is degraded is not a dead backend. mcp-network (its own process) shares Redis for
 * its write locks and rate limits; Redis is cut (a TCP fault proxy refusing every connection). The
 * backend still answers reads, and refuses writes itself with its own clean error
 * (`ERR_LOCK_UNAVAILABLE`, fail closed). Its `/readyz` says so — 200, `degraded`, `resource-lock:
 * false` — so the gateway keeps routing to it: reads through the gateway go on, a write is answered
 * with the backend's error, not the gateway's `ERR_UPSTREAM_UNAVAILABLE`. Only a draining replica
 * (SIGTERM) answers `/readyz` 503 and leaves the rotation.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { startCatalystCenterSimulator, SEED_IDS, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { POLICY_DIR } from '@mcp-platform/policies';
import { freePort, startMcpProcess, startOpa, startRedis, type McpProcess, type RunningOpa } from '@mcp-platform/test-support';
import { startFaultProxy, type FaultProxy } from '@mcp-platform/tooling/fault-proxy';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { connectToGateway, errorCode } from './harness.ts';

let idp: RunningIdentityProvider;
let opa: RunningOpa;
let catalyst: CatalystSimulator;
let redis: Awaited<ReturnType<typeof startRedis>>;
let redisProxy: FaultProxy;
let opaProxy: FaultProxy;
let network: McpProcess;
let gateway: RunningGateway;
let gatewayAudience: string;

beforeAll(async () => {
  opa = await startOpa({ policyDir: POLICY_DIR });
  catalyst = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password', taskDurationMs: 150 });
  redis = await startRedis();
  redisProxy = await startFaultProxy(Number(new URL(redis.url).port));
  opaProxy = await startFaultProxy(opa.port);
  const [audiencePort, networkPort] = [await freePort(), await freePort()];
  gatewayAudience = `http://127.0.0.1:${audiencePort}/mcp`;
  const networkUrl = `http://127.0.0.1:${networkPort}/mcp`;
  idp = await startIdentityProvider({
    port: 0,
    resourceServers: [
      ...SEED_RESOURCE_SERVERS,
      { url: gatewayAudience, name: 'mcp-gateway (test)', ownerClientId: 'mcp-gateway' },
      { url: networkUrl, name: 'mcp-network (test)', ownerClientId: 'mcp-network' },
    ],
  });
  network = startMcpProcess('mcp-network', networkPort, {
    OIDC_ISSUER: idp.issuer,
    OPA_URL: `http://127.0.0.1:${String(opaProxy.port)}`,
    AUTHZ_CACHE_TTL_MS: '0',
    CATALYST_BASE_URL: catalyst.url,
    REDIS_URL: `redis://127.0.0.1:${String(redisProxy.port)}`,
  });
  await network.start();
  gateway = await startGateway(
    loadConfig({
      PORT: '0',
      PUBLIC_URL: gatewayAudience,
      OIDC_ISSUER: idp.issuer,
      OPA_URL: opa.url,
      AUTHZ_CACHE_TTL_MS: '0',
      GATEWAY_BACKENDS: JSON.stringify({ network: networkUrl }),
      HEALTH_INTERVAL_MS: '250',
      // HEALTH_TIMEOUT_MS: the default — it must outlast a backend's /readyz while one of its dependencies hangs.
      LOG_LEVEL: 'error',
    }),
  );
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  await network?.stop();
  await Promise.allSettled([redisProxy?.close(), opaProxy?.close()]);
  await redis?.stop();
  await Promise.allSettled([catalyst?.stop(), opa?.stop(), idp?.stop()]);
});


/** mcp-network's own `/readyz`: its HTTP status and report. */
const networkReadyz = async (): Promise<{ status: number; body: unknown }> => {
  const r = await fetch(`http://127.0.0.1:${String(network.port)}/readyz`);
  return { status: r.status, body: (await r.json()) as unknown };
};

it('Redis cut under mcp-network: /readyz 200 degraded (resource-lock down), the gateway keeps routing — reads succeed, a write gets the backend’s own ERR_LOCK_UNAVAILABLE', async () => {
  const token = await idp.issueToken({ user: 'nina', audience: gatewayAudience, acr: 'mfa' });
  const client = await connectToGateway(`${gateway.url}/mcp`, token, 'degraded-backend-test');
  const read = async () => (await client.callTool({ name: 'network__list_devices', arguments: { limit: 2 } })) as CallToolResult;
  expect((await read()).isError).toBeFalsy();

  redisProxy.set('refuse');
  try {
    // The backend reports the dependency down, and itself still ready (degraded).
    await expect
      .poll(networkReadyz, { timeout: 15_000, interval: 250 })
      .toMatchObject({ status: 200, body: { status: 'degraded', checks: { 'resource-lock': false } } });
    // Several health probes later the gateway still routes to it.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(gateway.health.snapshot()).toEqual({ network: 'up' });
    const reads = [await read(), await read(), await read()];
    expect(reads.map((r) => (r.isError ? errorCode(r) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    // A write that needs the shared lock is refused by the backend itself, cleanly, and nothing was deployed.
    const deploymentsBefore = catalyst.state.deployments.length;
    const write = (await client.callTool({
      name: 'network__deploy_template',
      arguments: { template_id: SEED_IDS.templates.loginBanner, device_ids: [SEED_IDS.devices.sjc01Acc01], params: { banner: 'degraded test' } },
    })) as CallToolResult;
    expect(write.isError).toBe(true);
    expect(errorCode(write)).toBe('ERR_LOCK_UNAVAILABLE');
    expect(catalyst.state.deployments.length).toBe(deploymentsBefore);
  } finally {
    redisProxy.set('pass');
  }
  await expect.poll(networkReadyz, { timeout: 15_000, interval: 250 }).toMatchObject({ status: 200, body: { status: 'ready' } });
  await client.close();
}, 120_000);

it('OPA hung under mcp-network: its /readyz takes up to the spine’s 2 s check bound and still says 200 degraded — the gateway’s probe (default timeout) outlasts it and keeps routing; callers get the backend’s own ERR_AUTHZ_UNAVAILABLE', async () => {
  const token = await idp.issueToken({ user: 'nina', audience: gatewayAudience, acr: 'mfa' });
  const client = await connectToGateway(`${gateway.url}/mcp`, token, 'degraded-backend-test');
  const read = async () => (await client.callTool({ name: 'network__list_devices', arguments: { limit: 2 } })) as CallToolResult;
  expect((await read()).isError).toBeFalsy();

  opaProxy.set('hang');
  try {
    await expect
      .poll(networkReadyz, { timeout: 15_000, interval: 250 })
      .toMatchObject({ status: 200, body: { status: 'degraded', checks: { authorizer: false } } });
    // Several probes later (each waits for the slow /readyz) the backend is still in.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(gateway.health.snapshot()).toEqual({ network: 'up' });
    const hung = await read();
    expect(hung.isError).toBe(true);
    expect(errorCode(hung)).toBe('ERR_AUTHZ_UNAVAILABLE');
    expect(gateway.health.snapshot()).toEqual({ network: 'up' });
  } finally {
    opaProxy.set('pass');
  }
  await expect.poll(async () => (await read()).isError ?? false, { timeout: 15_000, interval: 250 }).toBe(false);
  await client.close();
}, 120_000);
