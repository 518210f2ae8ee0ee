// `pnpm --filter @mcp-platform/mcp-gateway exec tsx bench/leg-cpu.ts` — mcp-network's CPU per `get_device`
// by request shape: one mcp-network process (production defaults, OPA server and dev IdP as the gateway row
// runs them, Catalyst simulator in this process) fed one request after the other over one keep-alive
// connection, the shapes taken in turn round by round (ABC…CBA), CPU (user + system) from /proc/<pid>/stat:
//   direct  — the gateway row's direct call: 2025-11-25, the user's token;
//   leg     — what the gateway's hop sends (json-rpc-hop.ts): 2026-07-28 with Mcp-Method/Mcp-Name, the
//             `_meta` envelope, traceparent and x-request-id, a token exchanged by the IdP (RFC 8693, `act`);
//   leg-user / direct-delegated — the two differences one at a time;
//   gateway — the same call through a real mcp-gateway process (its CPU printed too);
//   paced   — `direct`, but waiting ~1 ms between calls (the cadence mcp-network sees behind the gateway).
// Not a test: a measurement for docs/benchmarks.md ("mcp-network behind the gateway, session 7").
// SHAPES=direct,leg (default: all), ROUNDS (default 8), ROUND_MS (default 1500).
import http from 'node:http';
import { devNull, loadavg } from 'node:os';
import { createTokenExchanger } from '@mcp-platform/mcp-common/auth';
import { startServiceProcess } from '@mcp-platform/bench/http-row';
import { procCpuMs } from '@mcp-platform/bench/interleave';
import { SEED_IDS, startCatalystCenterSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { freePort, startOpa } from '@mcp-platform/test-support';

const ROUNDS = Number(process.env['ROUNDS'] ?? 8);
const ROUND_MS = Number(process.env['ROUND_MS'] ?? 1500);
const only = (process.env['SHAPES'] ?? '').split(',').filter((s) => s !== '');

const [gatewayPort, networkPort] = [await freePort(), await freePort()];
const gatewayUrl = `http://127.0.0.1:${String(gatewayPort)}/mcp`;
const networkUrl = `http://127.0.0.1:${String(networkPort)}/mcp`;
const idp = await startIdentityProvider({
  port: 0,
  accessTokenTtlSeconds: 3_600,
  resourceServers: [...SEED_RESOURCE_SERVERS, { url: gatewayUrl, name: 'mcp-gateway (leg-cpu)', ownerClientId: 'mcp-gateway' }, { url: networkUrl, name: 'mcp-network (leg-cpu)' }],
});
const opa = await startOpa({ bundle: POLICY_BUNDLE, decisionLogs: true, logFile: devNull });
const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password' });
const unlimited = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', CONCURRENCY_PER_PRINCIPAL: '1024', MAX_IN_FLIGHT: '4096' };
const network = await startServiceProcess('services/mcp-network/src/main.ts', { ...unlimited, PORT: String(networkPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, CATALYST_BASE_URL: sim.url }, `http://127.0.0.1:${String(networkPort)}/readyz`);
const wantGateway = only.length === 0 || only.includes('gateway');
const gateway = wantGateway
  ? await startServiceProcess(
      'services/mcp-gateway/src/main.ts',
      { ...unlimited, PORT: String(gatewayPort), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, GATEWAY_BACKENDS: JSON.stringify({ network: networkUrl }) },
      `http://127.0.0.1:${String(gatewayPort)}/readyz`,
    )
  : undefined;

const userForNetwork = await idp.issueToken({ user: 'nina', audience: networkUrl, ttlSeconds: 3_600 });
const userForGateway = await idp.issueToken({ user: 'nina', audience: gatewayUrl, ttlSeconds: 3_600 });
const delegated = await createTokenExchanger({ issuer: idp.issuer, clientId: 'mcp-gateway', clientSecret: 'mcp-gateway-dev-secret' }).exchange(userForGateway, networkUrl);
const args = { device_id: SEED_IDS.devices.sjc01Core01 };

let seq = 0;
const legacy = (token: string, name = 'get_device') => () => ({
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${token}` },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
});
const modern = (token: string) => () => {
  const n = ++seq;
  return {
    headers: {
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'get_device',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      traceparent: `00-${n.toString(16).padStart(32, '0').replace(/^0/, '1')}-${'b'.repeat(16)}-01`,
      'x-request-id': `leg-${String(n)}`,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: n,
      method: 'tools/call',
      params: {
        name: 'get_device',
        arguments: args,
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'mcp-gateway', version: '0.1.0' }, 'io.modelcontextprotocol/clientCapabilities': {} },
      },
    }),
  };
};

interface Shape {
  name: string;
  url: string;
  request: () => { headers: Record<string, string>; body: string };
  pauseMs?: number;
}
const shapes: Shape[] = [
  { name: 'direct', url: networkUrl, request: legacy(userForNetwork) },
  { name: 'leg', url: networkUrl, request: modern(delegated) },
  { name: 'leg-user', url: networkUrl, request: modern(userForNetwork) },
  { name: 'direct-delegated', url: networkUrl, request: legacy(delegated) },
  ...(gateway ? [{ name: 'gateway', url: gatewayUrl, request: legacy(userForGateway, 'network__get_device') }] : []),
  { name: 'paced', url: networkUrl, request: legacy(userForNetwork), pauseMs: 1 },
].filter((s) => only.length === 0 || only.includes(s.name));

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const call = (shape: Shape): Promise<string> =>
  new Promise((resolve, reject) => {
    const { headers, body } = shape.request();
    const u = new URL(shape.url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200 || !text.includes('"structuredContent"') || text.includes('"isError":true')) reject(new Error(`${shape.name}: HTTP ${String(res.statusCode)} ${text.slice(0, 200)}`));
        else resolve(text);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loop = async (shape: Shape, ms: number): Promise<number> => {
  let n = 0;
  for (const end = Date.now() + ms; Date.now() < end; n++) {
    if (shape.pauseMs !== undefined) await pause(shape.pauseMs);
    await call(shape);
  }
  return n;
};

const pids = { 'mcp-network': network.pid, 'mcp-gateway': gateway?.pid };
const load0 = loadavg()[0] ?? 0;
try {
  for (const s of shapes) await loop(s, 1_000); // warm-up (and every shape checked once)
  const per = new Map<string, { network: number[]; gateway: number[]; calls: number }>(shapes.map((s) => [s.name, { network: [], gateway: [], calls: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 === 0 ? shapes : [...shapes].reverse()) {
      const before = procCpuMs(pids);
      const n = await loop(s, ROUND_MS);
      const after = procCpuMs(pids);
      const row = per.get(s.name);
      if (!row) continue;
      row.calls += n;
      row.network.push((1000 * ((after['mcp-network'] ?? 0) - (before['mcp-network'] ?? 0))) / n);
      row.gateway.push((1000 * ((after['mcp-gateway'] ?? 0) - (before['mcp-gateway'] ?? 0))) / n);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  process.stdout.write(`mcp-network CPU µs per get_device, medians over ${String(ROUNDS)} rounds of ${String(ROUND_MS)} ms (load ${load0.toFixed(2)} before / ${(loadavg()[0] ?? 0).toFixed(2)} after):\n`);
  for (const s of shapes) {
    const row = per.get(s.name);
    if (!row) continue;
    const rate = row.calls / ((ROUNDS * ROUND_MS) / 1000);
    process.stdout.write(`  ${s.name.padEnd(17)} ${median(row.network).toFixed(0).padStart(5)} µs  (${rate.toFixed(0)} calls/s${s.name === 'gateway' ? `; mcp-gateway ${median(row.gateway).toFixed(0)} µs` : ''})\n`);
  }
} finally {
  agent.destroy();
  network.kill('SIGTERM');
  gateway?.kill('SIGTERM');
  await Promise.allSettled([sim.stop(), opa.stop(), idp.stop()]);
}
