// `pnpm --filter @mcp-platform/mcp-common exec tsx test/hop-cpu.ts` — the client side of the backend hop
// on its own: CPU time (user + system) per sequential `tools/call` of the SDK `Client` path and of the
// undici hop, against one minimal 2026-07-28 MCP server in another process (the same answer for both:
// a get_device-sized result). Rounds alternate the two paths; medians are printed. N calls per round
// (env N, default 2000), 4 rounds after a warm-up. Not a test: a measurement for docs/benchmarks.md.
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReplica, type Replica } from '../src/client/replica.ts';

if (process.argv[2] === 'server') {
  const result = {
    resultType: 'complete',
    content: [{ type: 'text', text: 'sjc01-core-01 (C9500, CORE) is Reachable, IOS-XE 17.9.4' }],
    structuredContent: { id: 'd1', hostname: 'sjc01-core-01', role: 'CORE', platform: 'C9500', reachability: 'Reachable', software: '17.9.4' },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const m = JSON.parse(body) as { id: unknown; method: string };
      res.setHeader('content-type', 'application/json');
      if (m.method === 'server/discover') {
        res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'hop-cpu', version: '1' } } }));
        return;
      }
      res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else {
  const child = fork(new URL(import.meta.url).pathname, ['server'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (p) => resolve(p as number)));
  const url = `http://127.0.0.1:${String(port)}/mcp`;
  const options = { timeoutMs: 5000, breakerFailures: 100, breakerHalfOpenMs: 1000, healthTimeoutMs: 500, clientName: 'hop-cpu', version: '1' };
  const paths: Record<'sdk-client' | 'undici', Replica> = {
    'sdk-client': createReplica('b', 'mcp-b', url, { ...options, path: 'sdk-client' }),
    undici: createReplica('b', 'mcp-b', url, { ...options, path: 'undici' }),
  };
  const n = Number(process.env['N'] ?? 2000);
  const round = async (r: Replica) => {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (let i = 0; i < n; i++) await r.callTool('token', 'get_device', { device_id: 'd1' });
    const used = process.cpuUsage(cpu);
    return { cpuUs: (used.user + used.system) / n, wallMs: (performance.now() - wall) / n };
  };
  for (const r of Object.values(paths)) await round(r);
  const seen: Record<string, { cpuUs: number; wallMs: number }[]> = { 'sdk-client': [], undici: [] };
  for (let i = 0; i < 4; i++) {
    const order = i % 2 === 0 ? (['sdk-client', 'undici'] as const) : (['undici', 'sdk-client'] as const);
    for (const name of order) seen[name]?.push(await round(paths[name]));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  for (const [name, rows] of Object.entries(seen)) {
    process.stdout.write(
      `${name.padEnd(10)} client CPU ${median(rows.map((r) => r.cpuUs)).toFixed(0)} µs/call [${rows.map((r) => r.cpuUs.toFixed(0)).join(' ')}], wall ${median(rows.map((r) => r.wallMs)).toFixed(2)} ms/call\n`,
    );
  }
  await Promise.all(Object.values(paths).map((r) => r.close()));
  child.kill();
}
