/**
 * Two replicas of mcp-network (each its own process) behind the gateway as one backend, each reaching the
 * one redis-server through its own TCP fault proxy. Cutting replica A's Redis makes A degraded (`/readyz` 200
 * `degraded`, `resource-lock: false`): it still answers reads but refuses writes that need the shared lock.
 * The gateway then prefers the fully ready replica B — every call goes there, and writes succeed instead of
 * half of them getting A's `ERR_LOCK_UNAVAILABLE` — while A stays in routing: when B is degraded too, both get
 * calls again (reads succeed on both). Once both are ready, round-robin spreads the calls over both again.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { startCatalystCenterSimulator, SEED_IDS, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { POLICY_DIR } from '@mcp-platform/policies';
import { freePort, recordBackendRequests, startMcpProcess, startOpa, startRedis, type McpProcess, type RunningOpa, type RunningRedis } from '@mcp-platform/test-support';
import { startFaultProxy, type FaultProxy } from '@mcp-platform/tooling/fault-proxy';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { connectToGateway, errorCode } from './harness.ts';

let idp: RunningIdentityProvider;
let opa: RunningOpa;
let catalyst: CatalystSimulator;
let redis: RunningRedis;
const redisFaults: FaultProxy[] = [];
const replicas: McpProcess[] = [];
let gateway: RunningGateway;
let gatewayAudience: string;
const toolCalls: { url: string; tool: string }[] = [];

beforeAll(async () => {
  opa = await startOpa({ policyDir: POLICY_DIR });
  catalyst = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password', taskDurationMs: 150 });
  redis = await startRedis();
  redisFaults.push(await startFaultProxy(redis.port), await startFaultProxy(redis.port));
  const [audiencePort, portA, portB] = [await freePort(), await freePort(), await freePort()];
  gatewayAudience = `http://127.0.0.1:${String(audiencePort)}/mcp`;
  // Both replicas accept tokens for one resource identifier (replica A's URL).
  const resource = `http://127.0.0.1:${String(portA)}/mcp`;
  idp = await startIdentityProvider({
    port: 0,
    resourceServers: [
      ...SEED_RESOURCE_SERVERS,
      { url: gatewayAudience, name: 'mcp-gateway (test)', ownerClientId: 'mcp-gateway' },
      { url: resource, name: 'mcp-network (test)', ownerClientId: 'mcp-network' },
    ],
  });
  for (const [i, port] of [portA, portB].entries()) {
    replicas.push(
      startMcpProcess('mcp-network', port, {
        OIDC_ISSUER: idp.issuer,
        OPA_URL: opa.url,
        AUTHZ_CACHE_TTL_MS: '0',
        CATALYST_BASE_URL: catalyst.url,
        PUBLIC_URL: resource,
        REDIS_URL: `redis://127.0.0.1:${String(redisFaults[i]?.port)}`,
      }),
    );
  }
  await Promise.all(replicas.map((r) => r.start()));
  const recording = recordBackendRequests((r) => {
    const message = r.body === undefined ? {} : (JSON.parse(r.body) as { method?: string; params?: { name?: string } });
    if (message.method === 'tools/call' && message.params?.name !== undefined) toolCalls.push({ url: r.url, tool: message.params.name });
  });
  gateway = await startGateway(
    loadConfig({
      PORT: '0',
      PUBLIC_URL: gatewayAudience,
      OIDC_ISSUER: idp.issuer,
      OPA_URL: opa.url,
      AUTHZ_CACHE_TTL_MS: '0',
      GATEWAY_BACKENDS: JSON.stringify({ network: { resource, urls: replicas.map((r) => r.url) } }),
      HEALTH_INTERVAL_MS: '250',
      // Generous: a probe timing out on a busy machine would mark a replica down, which this test is not about.
      HEALTH_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'error',
    }),
    { backendInterceptors: [recording] },
  );
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.allSettled(replicas.map((r) => r.stop()));
  await Promise.allSettled(redisFaults.map((f) => f.close()));
  await redis?.stop();
  await Promise.allSettled([catalyst?.stop(), opa?.stop(), idp?.stop()]);
});

const readiness = async () => (await gateway.pool.get('network')?.health())?.replicas.map((r) => r.readiness);
const replicaReadyz = (r: McpProcess) =>
  expect.poll(async () => ((await (await fetch(`http://127.0.0.1:${String(r.port)}/readyz`)).json()) as { status: string }).status, { timeout: 15_000, interval: 250 });
const servedBy = (tool: string) => toolCalls.filter((c) => c.tool === tool).map((c) => (c.url === replicas[0]?.url ? 'A' : c.url === replicas[1]?.url ? 'B' : c.url));

it('prefers the ready replica over a degraded one (writes succeed there), keeps degraded ones in routing when none is ready', async () => {
  const [a, b] = replicas as [McpProcess, McpProcess];
  const [faultA, faultB] = redisFaults as [FaultProxy, FaultProxy];
  const token = await idp.issueToken({ user: 'nina', audience: gatewayAudience, acr: 'mfa' });
  const client = await connectToGateway(`${gateway.url}/mcp`, token, 'degraded-replica-test');
  const read = async () => (await client.callTool({ name: 'network__list_devices', arguments: { limit: 2 } })) as CallToolResult;
  // Login Banner has no variables: a deployment that needs the device lock shared through Redis.
  const write = async () =>
    (await client.callTool({
      name: 'network__deploy_template',
      arguments: { template_id: SEED_IDS.templates.loginBanner, device_ids: [SEED_IDS.devices.sjc01Acc01], params: {} },
    })) as CallToolResult;
  const outcome = (r: CallToolResult) => (r.isError ? (errorCode(r) ?? 'tool-error') : 'ok');

  // Both ready: round-robin over both.
  await expect.poll(readiness, { timeout: 15_000, interval: 250 }).toEqual(['ready', 'ready']);
  toolCalls.length = 0;
  expect((await Promise.all([read(), read(), read(), read()].map(async (r) => outcome(await r))))).toEqual(['ok', 'ok', 'ok', 'ok']);
  expect(new Set(servedBy('list_devices'))).toEqual(new Set(['A', 'B']));

  try {
    // A's Redis cut: A is degraded (still 200), B ready — every call goes to B, writes included.
    faultA.set('refuse');
    await replicaReadyz(a).toBe('degraded');
    await expect.poll(readiness, { timeout: 15_000, interval: 250 }).toEqual(['degraded', 'ready']);
    toolCalls.length = 0;
    const reads = [];
    for (let i = 0; i < 6; i++) reads.push(outcome(await read()));
    const writes = [outcome(await write()), outcome(await write()), outcome(await write())];
    expect({ reads, writes }).toEqual({ reads: Array(6).fill('ok'), writes: ['ok', 'ok', 'ok'] });
    expect({ reads: servedBy('list_devices'), writes: servedBy('deploy_template') }).toEqual({ reads: Array(6).fill('B'), writes: ['B', 'B', 'B'] });
    // A was never dropped: the gateway still lists the backend as up.
    expect(gateway.health.snapshot()).toEqual({ network: 'up' });

    // B's Redis cut too: none is ready, both degraded ones keep serving reads; a write gets the backend's own clean error.
    faultB.set('refuse');
    await replicaReadyz(b).toBe('degraded');
    await expect.poll(readiness, { timeout: 15_000, interval: 250 }).toEqual(['degraded', 'degraded']);
    toolCalls.length = 0;
    const degradedReads = [];
    for (let i = 0; i < 4; i++) degradedReads.push(outcome(await read()));
    expect(degradedReads).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(new Set(servedBy('list_devices'))).toEqual(new Set(['A', 'B']));
    expect(outcome(await write())).toBe('ERR_LOCK_UNAVAILABLE');
  } finally {
    faultA.set('pass');
    faultB.set('pass');
  }

  // Both ready again: both serve.
  await expect.poll(readiness, { timeout: 20_000, interval: 250 }).toEqual(['ready', 'ready']);
  toolCalls.length = 0;
  for (let i = 0; i < 4; i++) expect(outcome(await read())).toBe('ok');
  expect(new Set(servedBy('list_devices'))).toEqual(new Set(['A', 'B']));
  await client.close();
}, 180_000);
