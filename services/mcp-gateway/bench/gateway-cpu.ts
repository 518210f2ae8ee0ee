// `pnpm --filter @mcp-platform/mcp-gateway exec tsx bench/gateway-cpu.ts` — the gateway's own CPU per
// forwarded `tools/call`, alone: one or more gateway processes (production defaults, OPA server as the
// bench runs it, dev IdP) in front of one stub MCP backend (another process that answers the hop with a
// get_device-sized 2026-07-28 result in ~0.1 ms), fed N sequential calls over one keep-alive connection per
// round, the gateways taken in turn call by call (so each is measured over the same seconds of a shared
// machine); the CPU (user + system, /proc/<pid>/stat) each gateway spent per call is printed as medians
// over the rounds. Not a test: a measurement for docs/benchmarks.md.
//
// GATEWAY_TREES="before=/tmp/tree-a,after=." compares gateways started from several checkouts of the
// repository (each with its node_modules), same run; default: this tree alone. N (default 3000) calls per
// round, ROUNDS (default 6). PROFILE_DIR=<dir> writes a `--cpu-prof` profile of each gateway.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { devNull, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { procCpuMs } from '@mcp-platform/bench/interleave';
import { SEED_RESOURCE_SERVERS, startIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { POLICY_BUNDLE } from '@mcp-platform/policies';
import { freePort, startOpa } from '@mcp-platform/test-support';

// As a 2026-07-28 server answers: its serverInfo stamped into `_meta` (the SDK's encodeResult, the spine's fast path).
const RESULT = {
  resultType: 'complete',
  _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-network', version: '0.1.0' } },
  content: [{ type: 'text', text: 'sjc01-core-01 (C9500-40X, CORE) 10.10.1.1 is Reachable, IOS-XE 17.9.4, up 120 days, site Global/US/San Jose/SJC01' }],
  structuredContent: {
    device: {
      id: 'a1b2c3d4-0001-4000-8000-000000000001',
      hostname: 'sjc01-core-01',
      managementIpAddress: '10.10.1.1',
      platformId: 'C9500-40X',
      role: 'CORE',
      family: 'Switches and Hubs',
      softwareType: 'IOS-XE',
      softwareVersion: '17.9.4',
      reachabilityStatus: 'Reachable',
      upTime: '120 days, 4:12:31.00',
      serialNumber: 'FCW2233G0AB',
      site: 'Global/US/San Jose/SJC01',
    },
  },
};

if (process.argv[2] === 'backend') {
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz') {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ready"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: unknown; method: string };
      res.setHeader('content-type', 'application/json');
      if (m.method === 'tools/list') {
        const tool = { name: 'get_device', description: 'One device.', inputSchema: { type: 'object', properties: { device_id: { type: 'string' } } }, annotations: { readOnlyHint: true } };
        res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { resultType: 'complete', tools: [tool], ttlMs: 0, cacheScope: 'private' } }));
        return;
      }
      res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: RESULT }));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.argv[3]), '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const thisTree = resolve(here, '../../..');
  const trees = (process.env['GATEWAY_TREES'] ?? `this=${thisTree}`).split(',').map((kv) => {
    const [name, dir] = kv.split('=') as [string, string];
    return { name, dir: resolve(thisTree, dir) };
  });
  const n = Number(process.env['N'] ?? 3000);
  const rounds = Number(process.env['ROUNDS'] ?? 6);
  const children: ChildProcess[] = [];
  const backendPort = await freePort();
  const backendUrl = `http://127.0.0.1:${String(backendPort)}/mcp`;
  const ports = await Promise.all(trees.map(() => freePort()));
  const urls = ports.map((p) => `http://127.0.0.1:${String(p)}/mcp`);
  const idp = await startIdentityProvider({
    port: 0,
    accessTokenTtlSeconds: 3_600,
    resourceServers: [...SEED_RESOURCE_SERVERS, ...urls.map((url) => ({ url, name: 'mcp-gateway (probe)', ownerClientId: 'mcp-gateway' })), { url: backendUrl, name: 'stub backend (probe)' }],
  });
  const opa = await startOpa({ bundle: POLICY_BUNDLE, decisionLogs: true, logFile: devNull });
  try {
    const backend = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'backend', String(backendPort)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(backend);
    await new Promise((r) => backend.once('message', r));
    const unlimited = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', CONCURRENCY_PER_PRINCIPAL: '1024', MAX_IN_FLIGHT: '4096' };
    const gateways = await Promise.all(
      trees.map(async (t, i) => {
        const profile = process.env['PROFILE_DIR'] ? ['--cpu-prof', '--cpu-prof-dir', join(resolve(process.env['PROFILE_DIR']), t.name)] : [];
        const p = spawn(process.execPath, [...profile, '--import', 'tsx', 'services/mcp-gateway/src/main.ts'], {
          cwd: t.dir,
          env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...unlimited, PORT: String(ports[i]), OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, GATEWAY_BACKENDS: JSON.stringify({ network: backendUrl }), LOG_LEVEL: 'info' },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        children.push(p);
        const deadline = Date.now() + 90_000;
        while (!(await fetch(`http://127.0.0.1:${String(ports[i])}/readyz`).then((r) => r.ok, () => false))) {
          if (Date.now() > deadline || p.exitCode !== null) throw new Error(`gateway of ${t.name} did not start`);
          await new Promise((r) => setTimeout(r, 200));
        }
        const token = await idp.issueToken({ user: 'nina', audience: urls[i] as string, ttlSeconds: 3_600 });
        return { ...t, pid: p.pid, url: new URL(urls[i] as string), token, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
      }),
    );
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'network__get_device', arguments: { device_id: 'a1b2c3d4-0001-4000-8000-000000000001' } } });
    const post = (g: (typeof gateways)[number], payload: string) =>
      new Promise<{ status: number; text: string }>((done, fail) => {
        const req = http.request(
          g.url,
          {
            method: 'POST',
            agent: g.agent,
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${g.token}` },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', fail);
          },
        );
        req.on('error', fail);
        req.end(payload);
      });
    /**
     * One round: `calls` sequential calls to each gateway, taken in turn (a call to the first, then to the
     * second…), so that every gateway is measured over the same seconds of this shared machine.
     */
    const round = async (calls: number): Promise<Map<string, { cpuMs: number; wallMs: number }>> => {
      const before = procCpuMs(Object.fromEntries(gateways.map((g) => [g.name, g.pid])));
      const wall = new Map(gateways.map((g) => [g.name, 0]));
      for (let i = 0; i < calls; i++) {
        for (const g of i % 2 === 0 ? gateways : [...gateways].reverse()) {
          const t = performance.now();
          const { status, text } = await post(g, body);
          wall.set(g.name, (wall.get(g.name) ?? 0) + performance.now() - t);
          if (status !== 200 || !text.includes('sjc01-core-01') || text.includes('"isError":true')) throw new Error(`bad answer from ${g.name}: ${String(status)} ${text.slice(0, 300)}`);
        }
      }
      const after = procCpuMs(Object.fromEntries(gateways.map((g) => [g.name, g.pid])));
      return new Map(gateways.map((g) => [g.name, { cpuMs: ((after[g.name] ?? NaN) - (before[g.name] ?? NaN)) / calls, wallMs: (wall.get(g.name) ?? 0) / calls }]));
    };
    await round(Math.min(n, 1000));
    const seen = new Map(gateways.map((g) => [g.name, [] as { cpuMs: number; wallMs: number }[]]));
    const load = [loadavg()[0]];
    for (let r = 0; r < rounds; r++) {
      for (const [name, got] of await round(n)) seen.get(name)?.push(got);
    }
    load.push(loadavg()[0]);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    process.stdout.write(`gateway-cpu ${new Date().toISOString()} load (1 min) ${load.map((l) => (l ?? 0).toFixed(2)).join(' → ')}, ${String(rounds)} rounds × ${String(n)} sequential calls\n`);
    for (const [name, rows] of seen) {
      process.stdout.write(
        `${name.padEnd(8)} gateway CPU ${(median(rows.map((r) => r.cpuMs)) * 1000).toFixed(0)} µs/call [${rows.map((r) => (r.cpuMs * 1000).toFixed(0)).join(' ')}], wall ${median(rows.map((r) => r.wallMs)).toFixed(3)} ms/call\n`,
      );
    }
    const first = seen.get(gateways[0]?.name ?? '') ?? [];
    for (const g of gateways.slice(1)) {
      // Paired by round: both gateways were measured over the same seconds.
      const ratios = (seen.get(g.name) ?? []).map((r, i) => r.cpuMs / (first[i]?.cpuMs ?? NaN));
      process.stdout.write(`${g.name} / ${gateways[0]?.name ?? ''}: CPU per call ×${median(ratios).toFixed(3)} [${ratios.map((x) => x.toFixed(3)).join(' ')}]\n`);
    }
    for (const g of gateways) g.agent.destroy();
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    await opa.stop();
    await idp.stop();
  }
}
