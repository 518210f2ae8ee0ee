import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusError, parseRetryAfter, requestJson } from './http.ts';
import { createUpstreamPolicy } from './policy.ts';

let server: Server;
let base: string;
// Only /503 requests: a late request of another test (e.g. a timed-out /slow) must not count.
let hits503 = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    switch (url.pathname) {
      case '/echo': {
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => send(200, { method: req.method, query: url.searchParams.getAll('role'), body: data ? JSON.parse(data) : null, auth: req.headers['x-auth'] }));
        return;
      }
      case '/401':
        return send(401, { message: 'token secret-token-value expired' });
      case '/404':
        return send(404, { response: { errorCode: 'NOT_FOUND', message: 'No device with that id', detail: 'x' }, version: '1.0' });
      case '/429':
        return send(429, { message: 'slow down' }, { 'retry-after': '3' });
      case '/503':
        hits503++;
        return send(503, { message: 'maintenance' });
      case '/400':
        return send(400, { error: { message: 'Invalid\nfilter value', detail: 'role' } });
      case '/big': {
        // 4 MiB streamed in 64 KiB chunks: a limit must stop reading, not buffer it all.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = 'x'.repeat(65536);
        let n = 0;
        const write = (): void => {
          while (n < 64) {
            n++;
            if (!res.write(chunk)) return void res.once('drain', write);
          }
          res.end();
        };
        write();
        return;
      }
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('hostname sw1\n!\nend\n');
      case '/not-json':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>');
      case '/headers':
        res.setHeader('x-multi', ['a', 'b']);
        return send(200, { ok: true }, { 'x-one': '1' });
      case '/cut':
      case '/cut503':
        // The answer's head and half its body, then the connection breaks.
        res.writeHead(url.pathname === '/cut' ? 200 : 503, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case '/stall':
        // Half a body, then nothing (until the client gives up).
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        return;
      case '/slow':
        setTimeout(() => send(200, { ok: true }), 500);
        return;
      default:
        return send(204, undefined);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('requestJson', () => {
  it('sends JSON, repeats array query values, and parses the answer', async () => {
    const res = await requestJson<{ method: string; query: string[]; body: unknown; auth: string }>({
      upstream: 'test',
      url: `${base}/echo`,
      method: 'POST',
      query: { role: ['ACCESS', 'CORE'], skipped: undefined },
      headers: { 'x-auth': 'abc' },
      body: { a: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ method: 'POST', query: ['ACCESS', 'CORE'], body: { a: 1 }, auth: 'abc' });
  });

  it('returns a text body as a string with responseType text', async () => {
    const res = await requestJson<string>({ upstream: 'test', url: `${base}/text`, responseType: 'text' });
    expect(res.body).toBe('hostname sw1\n!\nend\n');
  });

  it('refuses a body larger than maxBodyBytes with ERR_UPSTREAM_INVALID_RESPONSE, and accepts one within it', async () => {
    await expect(requestJson({ upstream: 'test', url: `${base}/big`, maxBodyBytes: 1024 * 1024, responseType: 'text' })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_INVALID_RESPONSE',
      message: expect.stringContaining('larger than 1048576 bytes'),
    });
    const ok = await requestJson<string>({ upstream: 'test', url: `${base}/big`, maxBodyBytes: 8 * 1024 * 1024, responseType: 'text' });
    expect(ok.body).toHaveLength(64 * 65536);
  });

  it('returns undefined for an empty body', async () => {
    expect((await requestJson({ upstream: 'test', url: `${base}/empty` })).body).toBeUndefined();
  });

  it('maps statuses to typed errors without echoing upstream secrets for auth failures', async () => {
    const auth = await requestJson({ upstream: 'test', url: `${base}/401` }).catch((e: unknown) => e);
    expect(auth).toMatchObject({ code: 'ERR_UPSTREAM_AUTH', status: 401, upstream: 'test' });
    expect(String((auth as Error).message)).not.toContain('secret-token-value');

    await expect(requestJson({ upstream: 'test', url: `${base}/404` })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_NOT_FOUND',
      status: 404,
      message: expect.stringContaining('No device with that id'),
    });
    await expect(requestJson({ upstream: 'test', url: `${base}/429` })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_RATE_LIMITED', retryAfterMs: 3000 });
    await expect(requestJson({ upstream: 'test', url: `${base}/503` })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', status: 503, retryable: true });
    await expect(requestJson({ upstream: 'test', url: `${base}/400` })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_REJECTED',
      status: 400,
      message: 'test rejected the request (HTTP 400): Invalid filter value',
    });
    await expect(requestJson({ upstream: 'test', url: `${base}/not-json` })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_INVALID_RESPONSE', retryable: false });
  });

  it('maps a refused connection to ERR_UPSTREAM_UNAVAILABLE (retryable)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    await expect(requestJson({ upstream: 'test', url: `http://127.0.0.1:${port}/` })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_UNAVAILABLE',
      retryable: true,
      status: undefined,
    });
  });

  it('is aborted by the policy timeout', async () => {
    const policy = createUpstreamPolicy({ name: 'test', timeoutMs: 50, retry: { maxAttempts: 1 } });
    await expect(policy.execute((signal) => requestJson({ upstream: 'test', url: `${base}/slow`, signal }), { idempotent: true })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_TIMEOUT',
    });
  });

  it('returns the response headers as undici parses them (a repeated header is an array)', async () => {
    const res = await requestJson({ upstream: 'test', url: `${base}/headers` });
    expect(res.headers).toMatchObject({ 'content-type': 'application/json', 'x-one': '1', 'x-multi': ['a', 'b'] });
    expect(res.body).toEqual({ ok: true });
  });

  it('maps a connection broken while the body is read to ERR_UPSTREAM_UNAVAILABLE (with a 5xx status when the answer had one)', async () => {
    await expect(requestJson({ upstream: 'test', url: `${base}/cut` })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', retryable: true, status: undefined });
    await expect(requestJson({ upstream: 'test', url: `${base}/cut503` })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', retryable: true, status: 503 });
  });

  it("rejects with the caller's abort reason, before the answer and while its body is read", async () => {
    const early = new AbortController();
    early.abort(new Error('caller gave up early'));
    await expect(requestJson({ upstream: 'test', url: `${base}/slow`, signal: early.signal })).rejects.toThrow('caller gave up early');
    const late = new AbortController();
    setTimeout(() => late.abort(new Error('caller gave up mid-body')), 100);
    await expect(requestJson({ upstream: 'test', url: `${base}/stall`, signal: late.signal })).rejects.toThrow('caller gave up mid-body');
  });

  it('retries a 503 then gives up after maxAttempts through the policy', async () => {
    const policy = createUpstreamPolicy({ name: 'test', retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } });
    const before = hits503;
    await expect(policy.execute((signal) => requestJson({ upstream: 'test', url: `${base}/503`, signal }), { idempotent: true })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_UNAVAILABLE',
    });
    expect(hits503 - before).toBe(3);
  });
});

describe('helpers', () => {
  it('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('httpStatusError can treat 403 as a business error', () => {
    expect(httpStatusError({ upstream: 'gh', status: 403, body: { message: 'Resource not accessible' }, authStatuses: [401] })).toMatchObject({
      code: 'ERR_UPSTREAM_REJECTED',
    });
    expect(httpStatusError({ upstream: 'gh', status: 500 })).toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', retryable: false });
  });
});
