import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger } from '@mcp-platform/test-support';
import type { Authorizer } from '../authz/index.ts';
import { createRequestLimits, type RequestLimitSettings } from '../limits/index.ts';
import { type HttpLimits, type RunningServer } from './listen.ts';
import { defineTool } from './tool.ts';
import { serveMcpApp, stubVerifier } from './serve.fixture.ts';

// Fair share and slow-client defences of the spine's MCP endpoint, over real HTTP.
// Identity and policy are static doubles (both are exercised for real in the servers' suites).

const verifier = stubVerifier((token) => {
  const id = /^token-(\w+)$/.exec(token)?.[1];
  return id === undefined ? undefined : { id, groups: ['readers'] };
});
const authorizer: Authorizer = { decide: async () => ({ allow: true, reasons: ['ok'] }), ready: async () => true, close: async () => {} };

/** Calls of `hold` wait until the test opens the gate. */
let gate: { promise: Promise<void>; open: () => void };
const newGate = () => {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  gate = { promise, open };
};
newGate();

const tools = [
  defineTool<object>()({
    name: 'ping',
    title: 'Ping',
    description: 'Answers at once.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({}),
    output: z.object({ ok: z.boolean() }),
    handler: async () => ({ ok: true }),
    render: () => 'ok',
  }),
  defineTool<object>()({
    name: 'hold',
    title: 'Hold',
    description: 'Answers when the test says so.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({}),
    output: z.object({ ok: z.boolean() }),
    handler: async () => {
      await gate.promise;
      return { ok: true };
    },
    render: () => 'ok',
  }),
  defineTool<object>()({
    name: 'heavy',
    title: 'Heavy',
    description: 'Weighs its `weight` argument; answers when the test says so.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ weight: z.number().int().min(1) }),
    output: z.object({ ok: z.boolean() }),
    cost: (args) => (typeof args['weight'] === 'number' ? args['weight'] : 1),
    handler: async () => {
      await gate.promise;
      return { ok: true };
    },
    render: () => 'ok',
  }),
];

const servers: RunningServer[] = [];
async function start(settings: RequestLimitSettings, http?: HttpLimits): Promise<string> {
  const logger = new MemoryLogger();
  const { url, running } = await serveMcpApp(
    logger,
    (publicUrl) => ({
      service: { name: 'limits-test', version: '1.0.0' },
      serverId: 'test',
      upstreamName: 'Test',
      publicUrl,
      tools,
      deps: {},
      logger,
      verifier,
      issuer: 'http://127.0.0.1:1',
      authorizer,
      limits: createRequestLimits({ name: 'limits-test', settings, logger }),
    }),
    http,
  );
  servers.push(running);
  return url;
}
afterAll(async () => {
  gate.open();
  await Promise.all(servers.map((s) => s.close()));
});
afterEach(() => {
  gate.open();
  newGate();
});

let nextId = 1;
const rpc = (url: string, token: string | undefined, tool: string, args: Record<string, unknown> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: tool, arguments: args } }),
  });

/** Opens a raw connection, writes `head`, and resolves with everything the server sent once it closes the socket. */
function rawExchange(url: string, head: string): { socket: Socket; closed: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d) => (received += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.write(head);
  return { socket, closed };
}

describe('per-principal limits on the MCP endpoint', () => {
  it('refuses a principal over its token bucket with 429, RateLimit and Retry-After, and leaves others alone', async () => {
    const url = await start({ ratePerSecond: 1, burst: 2, burstWindowSeconds: 60 });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const r = await rpc(url, 'token-flood', 'ping');
      statuses.push(r.status);
      if (r.status === 429) refused = r;
      else await r.text();
    }
    // 1 steady + 2 burst within the same second (slow machines may see a second tick: at most one more).
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(refused).toBeDefined();
    const retryAfter = Number(refused!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused!.headers.get('ratelimit')).toMatch(/^"limits-test"; r=0; t=\d+$/);
    expect(refused!.headers.get('ratelimit-policy')).toBe('"limits-test"; q=1; w=1');
    const body = (await refused!.json()) as { error: { data: { code: string; retryable: boolean } } };
    expect(body.error.data).toMatchObject({ code: 'ERR_RATE_LIMITED', retryable: true });

    const other = await rpc(url, 'token-quiet', 'ping');
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(/^"limits-test"; r=\d+; t=\d+$/);
    await other.text();
  });

  it('caps one principal\'s requests in flight (429) while another principal is still served', async () => {
    const url = await start({ concurrencyPerPrincipal: 2, ratePerSecond: 1000 });
    const held = [rpc(url, 'token-busy', 'hold'), rpc(url, 'token-busy', 'hold')];
    // Wait until both are really in flight: a third one is then refused.
    let third: Response | undefined;
    for (let i = 0; i < 200; i++) {
      third = await rpc(url, 'token-busy', 'ping');
      if (third.status === 429) break;
      await third.text();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(third?.status).toBe(429);
    expect(((await third!.json()) as { error: { data: { code: string } } }).error.data.code).toBe('ERR_CONCURRENCY_LIMITED');
    expect(third!.headers.get('retry-after')).toBe('1');
    const other = await rpc(url, 'token-other', 'ping');
    expect(other.status).toBe(200);
    await other.text();
    gate.open();
    for (const r of await Promise.all(held)) expect(r.status).toBe(200);
    // Slots come back when calls end.
    const again = await rpc(url, 'token-busy', 'ping');
    expect(again.status).toBe(200);
    await again.text();
  });

  it('charges a heavy call its declared weight: one weight-4 call of a principal at a time (cap 5), ordinary calls still pass', async () => {
    const url = await start({ concurrencyPerPrincipal: 5, ratePerSecond: 1000, refusalDelayMs: 0 });
    const first = rpc(url, 'token-heavy', 'heavy', { weight: 4 });
    let second: Response | undefined;
    for (let i = 0; i < 200; i++) {
      second = await rpc(url, 'token-heavy', 'heavy', { weight: 4 });
      if (second.status === 429) break;
      await second.text();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(second?.status).toBe(429);
    const body = (await second!.json()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe('ERR_CONCURRENCY_LIMITED');
    expect(body.error.message).toContain('weighs 4 requests');
    // The one slot left serves an ordinary call; another principal is untouched.
    const light = await rpc(url, 'token-heavy', 'ping');
    expect(light.status).toBe(200);
    await light.text();
    gate.open();
    expect((await first).status).toBe(200);
  });

  it('takes a heavy call\'s weight from the token bucket: weight 3 against a bucket of 4 passes once, then 429', async () => {
    const url = await start({ ratePerSecond: 1, burst: 3, burstWindowSeconds: 60, refusalDelayMs: 0 });
    gate.open();
    const ok = await rpc(url, 'token-bucket', 'heavy', { weight: 3 });
    expect(ok.status).toBe(200);
    await ok.text();
    const refused = await rpc(url, 'token-bucket', 'heavy', { weight: 3 });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { data: { code: string } } }).error.data.code).toBe('ERR_RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('answers a principal\'s refusals late (the flood cannot spin the event loop), without holding a global in-flight slot', async () => {
    const url = await start({ concurrencyPerPrincipal: 1, ratePerSecond: 1000, maxInFlight: 3, refusalDelayMs: 600 });
    const held = rpc(url, 'token-flooder', 'hold');
    let started = 0;
    let refusal: Response | undefined;
    for (let i = 0; i < 200; i++) {
      started = Date.now();
      refusal = await rpc(url, 'token-flooder', 'ping');
      if (refusal.status === 429) break;
      await refusal.text();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(refusal?.status).toBe(429);
    // A lower bound only: the refusal waited for the configured delay.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    await refusal!.text();
    // Three refusals waiting at once hold no global slot: another caller is served, not shed.
    const waiting = [rpc(url, 'token-flooder', 'ping'), rpc(url, 'token-flooder', 'ping'), rpc(url, 'token-flooder', 'ping')];
    await new Promise((r) => setTimeout(r, 100));
    const other = await rpc(url, 'token-other', 'ping');
    expect(other.status).toBe(200);
    await other.text();
    for (const r of await Promise.all(waiting)) {
      expect(r.status).toBe(429);
      await r.text();
    }
    gate.open();
    expect((await held).status).toBe(200);
  });

  it('sheds load above the global in-flight cap with 503 and Retry-After, for everyone, before authentication', async () => {
    const url = await start({ maxInFlight: 2, concurrencyPerPrincipal: 10, ratePerSecond: 1000 });
    const held = [rpc(url, 'token-a', 'hold'), rpc(url, 'token-b', 'hold')];
    let shed: Response | undefined;
    for (let i = 0; i < 200; i++) {
      shed = await rpc(url, undefined, 'ping');
      if (shed.status === 503) break;
      await shed.text();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(shed?.status).toBe(503);
    expect(shed!.headers.get('retry-after')).toBe('1');
    expect(((await shed!.json()) as { error: { data: { code: string } } }).error.data.code).toBe('ERR_OVERLOADED');
    gate.open();
    for (const r of await Promise.all(held)) expect(r.status).toBe(200);
    const after = await rpc(url, 'token-c', 'ping');
    expect(after.status).toBe(200);
    await after.text();
  });
});

describe('slow and unauthenticated clients', () => {
  it('answers an unauthenticated request 401 without reading its body, and closes the connection', async () => {
    const url = await start({});
    const { pathname } = new URL(url);
    // Announce a 1 MB body and never send it: the answer must not wait for it.
    const { socket, closed } = rawExchange(
      url,
      `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1048576\r\n\r\n{"jsonrpc":`,
    );
    const received = await closed;
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(received.toLowerCase()).toContain('www-authenticate: bearer');
  });

  it('cuts off a client that trickles its headers (headers timeout)', async () => {
    const url = await start({}, { headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 100 });
    const { socket, closed } = rawExchange(url, 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
    const received = await closed;
    clearInterval(drip);
    expect(received === '' || /^HTTP\/1\.1 408 /.test(received)).toBe(true);
  });

  it('cuts off an authenticated client that trickles its body (request timeout, 408)', async () => {
    const url = await start({}, { headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 100 });
    const { pathname } = new URL(url);
    const { socket, closed } = rawExchange(
      url,
      `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer token-slow\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{`,
    );
    const drip = setInterval(() => socket.write(' '), 50);
    const received = await closed;
    clearInterval(drip);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('drops connections above the connection cap', async () => {
    const url = await start({}, { maxConnections: 2 });
    const { hostname, port } = new URL(url);
    const open = [connect(Number(port), hostname), connect(Number(port), hostname)];
    await Promise.all(open.map((s) => new Promise((r) => s.once('connect', r))));
    const extra = rawExchange(url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const received = await extra.closed;
    expect(received).toBe('');
    for (const s of open) s.destroy();
  });
});
