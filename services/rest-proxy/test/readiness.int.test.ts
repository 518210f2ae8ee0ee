/**
 * The REST proxy's `/readyz` under real dependency faults (docs/reliability.md, "The REST proxy's readiness").
 * Its IdP, the OPA server and the rate-limit store (redis-server) are each reached through a TCP fault proxy
 * and cut in turn. A dependency every replica shares and whose failure the proxy survives per request keeps it
 * ready — 200 `degraded`, the dependency `false` (the IdP with keys held: `"degraded"`) in the detail — and callers are served from what is cached or get
 * the proxy's own clean problem. A replica that could answer no request at all (it never reached the IdP, so it
 * holds no key; its in-process policy did not load) answers 503 `not-ready`, so a load balancer keeps it out.
 */
import { PassThrough } from 'node:stream';
import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { POLICY_DIR } from '@mcp-platform/policies';
import { freePort, startMcpProcess, startOpa, startRedis, type McpProcess, type RunningOpa, type RunningRedis } from '@mcp-platform/test-support';
import { startFaultProxy, type FaultProxy } from '@mcp-platform/tooling/fault-proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestProxy, type RunningRestProxy } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

let idp: RunningIdentityProvider;
let idpFault: FaultProxy;
let opa: RunningOpa;
let opaFault: FaultProxy;
let redis: RunningRedis;
let redisFault: FaultProxy;
let catalyst: CatalystSimulator;
let network: McpProcess;
let proxy: RunningRestProxy;
let publicUrl: string;
const extra: RunningRestProxy[] = [];

const startProxy = async (env: Record<string, string> = {}): Promise<RunningRestProxy> =>
  startRestProxy(
    loadConfig({
      PORT: String(await freePort()),
      PUBLIC_URL: publicUrl,
      OIDC_ISSUER: idp.issuer,
      OPA_URL: `http://127.0.0.1:${String(opaFault.port)}`,
      // Long enough that the decisions made before a fault are still cached while it lasts.
      AUTHZ_CACHE_TTL_MS: '600000',
      PROXY_BACKENDS: JSON.stringify({ network: network.url }),
      LOG_LEVEL: 'error',
      ...env,
    }),
    { logStream: new PassThrough().resume() },
  );

beforeAll(async () => {
  const idpPort = await freePort();
  idpFault = await startFaultProxy(idpPort);
  publicUrl = `http://127.0.0.1:${String(await freePort())}`;
  const networkPort = await freePort();
  idp = await startIdentityProvider({
    port: idpPort,
    // Everyone reaches the IdP through the fault proxy, so the issuer is its address.
    issuer: `http://127.0.0.1:${String(idpFault.port)}`,
    resourceServers: [
      ...SEED_RESOURCE_SERVERS,
      { url: publicUrl, name: 'rest-proxy (test)', ownerClientId: 'rest-proxy' },
      { url: `http://127.0.0.1:${String(networkPort)}/mcp`, name: 'mcp-network (test)' },
    ],
  });
  opa = await startOpa({ policyDir: POLICY_DIR });
  opaFault = await startFaultProxy(opa.port);
  redis = await startRedis();
  redisFault = await startFaultProxy(redis.port);
  catalyst = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password', taskDurationMs: 150 });
  network = startMcpProcess('mcp-network', networkPort, { OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, CATALYST_BASE_URL: catalyst.url });
  await network.start();
  proxy = await startProxy({ REDIS_URL: `redis://127.0.0.1:${String(redisFault.port)}` });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([proxy?.close(), ...extra.map((p) => p.close())]);
  await network?.stop();
  await Promise.allSettled([idpFault?.close(), opaFault?.close(), redisFault?.close()]);
  await Promise.allSettled([catalyst?.stop(), redis?.stop(), opa?.stop(), idp?.stop()]);
});

interface Readyz {
  status: number;
  body: { status: string; checks?: Record<string, boolean | 'degraded'> };
}
const readyz = async (base: string): Promise<Readyz> => {
  const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: (await r.json()) as Readyz['body'] };
};
const pollReadyz = (base: string, expected: { status: number; body: Record<string, unknown> }) =>
  expect.poll(() => readyz(base), { timeout: 20_000, interval: 250 }).toMatchObject(expected);
const ALL_UP = { 'identity-provider': true, 'policy-engine': true, 'rate-limit-store': true };

const servers = (base: string, token: string) => fetch(`${base}/api/v1/servers`, { headers: { authorization: `Bearer ${token}` } });
const listDevices = (base: string, token: string) =>
  fetch(`${base}/api/v1/mcp/network/tools/list_devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ arguments: { limit: 1 } }),
  });
const problem = async (res: Response) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), ...((await res.json()) as { code?: string }) });

describe('REST proxy /readyz with its dependencies cut for real', () => {
  it('answers 200 ready while every dependency answers', async () => {
    await pollReadyz(proxy.url, { status: 200, body: { status: 'ready', checks: ALL_UP } });
  });

  it('Redis (rate-limit store) cut: 200 degraded, rate-limit-store false — every request still served (limits per replica)', async () => {
    const nina = await idp.issueToken({ user: 'nina', audience: publicUrl, acr: 'mfa' });
    expect((await servers(proxy.url, nina)).status).toBe(200);
    redisFault.set('refuse');
    try {
      await pollReadyz(proxy.url, { status: 200, body: { status: 'degraded', checks: { ...ALL_UP, 'rate-limit-store': false } } });
      expect([(await servers(proxy.url, nina)).status, (await listDevices(proxy.url, nina)).status]).toEqual([200, 200]);
    } finally {
      redisFault.set('pass');
    }
    await pollReadyz(proxy.url, { status: 200, body: { status: 'ready', checks: ALL_UP } });
  });

  it('OPA cut: 200 degraded, policy-engine false — a decided subject goes on, a new one is refused fail-closed (503 ERR_AUTHZ_UNAVAILABLE)', async () => {
    const nina = await idp.issueToken({ user: 'nina', audience: publicUrl, acr: 'mfa' });
    const sam = await idp.issueToken({ user: 'sam', audience: publicUrl, acr: 'mfa' });
    expect((await servers(proxy.url, nina)).status).toBe(200);
    opaFault.set('refuse');
    try {
      await pollReadyz(proxy.url, { status: 200, body: { status: 'degraded', checks: { ...ALL_UP, 'policy-engine': false } } });
      expect((await servers(proxy.url, nina)).status).toBe(200);
      expect(await problem(await servers(proxy.url, sam))).toMatchObject({ status: 503, code: 'ERR_AUTHZ_UNAVAILABLE', retryAfter: expect.stringMatching(/^\d+$/) });
    } finally {
      opaFault.set('pass');
    }
    await pollReadyz(proxy.url, { status: 200, body: { status: 'ready', checks: ALL_UP } });
    expect((await servers(proxy.url, sam)).status).toBe(200);
  });

  it('OPA hung: /readyz still answers (degraded) instead of hanging with it', async () => {
    opaFault.set('hang');
    try {
      await pollReadyz(proxy.url, { status: 200, body: { status: 'degraded', checks: { 'policy-engine': false } } });
    } finally {
      opaFault.set('pass');
    }
    await pollReadyz(proxy.url, { status: 200, body: { status: 'ready', checks: ALL_UP } });
  });

  it('IdP cut: 200 degraded on a replica that holds its keys — seen tokens and exchanges go on; a fresh replica that never reached it is 503 not-ready', async () => {
    const nina = await idp.issueToken({ user: 'nina', audience: publicUrl, acr: 'mfa' });
    // Verified, decided and exchanged once: all of it cached by this replica.
    expect((await listDevices(proxy.url, nina)).status).toBe(200);
    const later = await idp.issueToken({ user: 'nina', audience: publicUrl, acr: 'mfa' });
    idpFault.set('refuse');
    try {
      // The IdP itself is asked (not the fresh cached key set): degraded — keys held, the IdP silent.
      await pollReadyz(proxy.url, { status: 200, body: { status: 'degraded', checks: { ...ALL_UP, 'identity-provider': 'degraded' } } });
      expect((await listDevices(proxy.url, nina)).status).toBe(200);
      // A token not seen before still verifies against the cached key set, but its exchange needs the IdP.
      expect((await servers(proxy.url, later)).status).toBe(200);
      expect(await problem(await listDevices(proxy.url, later))).toMatchObject({ status: 503, code: 'ERR_IDP_UNAVAILABLE', retryAfter: expect.stringMatching(/^\d+$/) });

      // A replica started now has never fetched the issuer's keys: no request can succeed there.
      const fresh = await startProxy();
      extra.push(fresh);
      expect(await readyz(fresh.url)).toMatchObject({ status: 503, body: { status: 'not-ready', checks: { 'identity-provider': false } } });
      expect(await problem(await servers(fresh.url, nina))).toMatchObject({ status: 503, code: 'ERR_IDP_UNAVAILABLE' });
      idpFault.set('pass');
      await pollReadyz(fresh.url, { status: 200, body: { status: 'ready', checks: ALL_UP } });
      expect((await listDevices(fresh.url, later)).status).toBe(200);
    } finally {
      idpFault.set('pass');
    }
    await pollReadyz(proxy.url, { status: 200, body: { status: 'ready', checks: ALL_UP } });
  });

  it('in-process policy (AUTHZ_MODE=wasm) that did not load: 503 not-ready — this replica can pass no request', async () => {
    const broken = await startProxy({ AUTHZ_MODE: 'wasm', OPA_WASM_PATH: '/nonexistent/authz.wasm' });
    extra.push(broken);
    expect(await readyz(broken.url)).toMatchObject({ status: 503, body: { status: 'not-ready', checks: { 'identity-provider': true, 'policy-engine': false } } });
    const nina = await idp.issueToken({ user: 'nina', audience: publicUrl, acr: 'mfa' });
    expect(await problem(await servers(broken.url, nina))).toMatchObject({ status: 503, code: 'ERR_AUTHZ_UNAVAILABLE' });
  });
});
