import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import express from 'express';
import { Agent, request as undiciRequest } from 'undici';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { listen } from './listen.ts';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listen', () => {
  it('drains gracefully: in-flight requests finish, new connections are refused, dependencies close after', async () => {
    const app = express();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    app.get('/slow', async (_req, res) => {
      await gate;
      res.send('done');
    });
    const order: string[] = [];
    const running = await listen(app, {
      host: '127.0.0.1',
      port: 0,
      logger: new MemoryLogger(),
      shutdownGraceMs: 5_000,
      onClose: [async () => void order.push('deps')],
    });
    const inflight = get(`${running.url}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = running.close().then(() => order.push('closed'));
    await new Promise((r) => setTimeout(r, 50));
    await expect(get(`${running.url}/slow`)).rejects.toThrow(/ECONNREFUSED/);
    expect(order).toEqual([]);
    release();
    expect(await inflight).toEqual({ status: 200, body: 'done' });
    await closing;
    expect(order).toEqual(['deps', 'closed']);
  });

  it('cuts connections still open when the grace period ends', async () => {
    const app = express();
    app.get('/hang', () => {
      // never answers
    });
    const logger = new MemoryLogger();
    const running = await listen(app, { host: '127.0.0.1', port: 0, logger, shutdownGraceMs: 100 });
    const hung = get(`${running.url}/hang`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await running.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await hung).toBeInstanceOf(Error);
    expect(logger.lines.some((l) => l.message.startsWith('grace period over'))).toBe(true);
  });

  /** A raw keep-alive connection: send one request at a time, read whole responses, see how it ended. */
  async function rawConnection(url: string): Promise<{ send(path: string): Promise<{ status: number; connection: string; body: string }>; ended: Promise<'end' | 'reset'> }> {
    const { hostname, port } = new URL(url);
    const socket: Socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let buffer = '';
    let waiting: (() => void) | undefined;
    socket.on('data', (d: Buffer) => {
      buffer += d.toString();
      waiting?.();
    });
    const ended = new Promise<'end' | 'reset'>((resolve) => {
      socket.once('error', () => resolve('reset'));
      socket.once('end', () => resolve('end'));
    });
    return {
      ended,
      async send(path) {
        buffer = '';
        socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        for (;;) {
          const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(buffer);
          const length = Number(/content-length: (\d+)/i.exec(m?.[2] ?? '')?.[1] ?? -1);
          if (m && length >= 0 && buffer.length >= m[0].length + length) {
            return { status: Number(m[1]), connection: /connection: ([^\r]+)/i.exec(m[2] ?? '')?.[1] ?? '', body: buffer.slice(m[0].length, m[0].length + length) };
          }
          await new Promise<void>((r) => (waiting = r));
        }
      },
    };
  }

  it('drain(): stops accepting, /readyz says draining, answers what arrives on open connections (Connection: close) and what is in flight, closes idle ones at their keep-alive deadline', async () => {
    const app = express();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    app.get('/slow', async (_req, res) => {
      await gate;
      res.send('done');
    });
    app.get('/fast', (_req, res) => void res.send('fast'));
    // As an SSE answer does: an explicit `Connection: keep-alive` must not keep a draining server's connection open.
    app.get('/sse-like', (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3', Connection: 'keep-alive' }).end('sse'));
    app.get('/readyz', (_req, res) => void res.json({ status: 'ready' }));
    const order: string[] = [];
    const running = await listen(app, { host: '127.0.0.1', port: 0, logger: new MemoryLogger(), shutdownGraceMs: 10_000, http: { keepAliveTimeoutMs: 1_000 }, onClose: [async () => void order.push('deps')] });
    const reused = await rawConnection(running.url);
    expect(await reused.send('/fast')).toEqual({ status: 200, connection: 'keep-alive', body: 'fast' });
    const unused = await rawConnection(running.url);
    const idle = await rawConnection(running.url);
    expect(await idle.send('/fast')).toMatchObject({ status: 200, connection: 'keep-alive' });
    const slow = await rawConnection(running.url);
    const inflight = slow.send('/slow');
    await new Promise((r) => setTimeout(r, 50));

    const draining = running.drain().then(() => order.push('drained'));
    await new Promise((r) => setTimeout(r, 50));
    // No new connection…
    await expect(get(`${running.url}/fast`)).rejects.toThrow(/ECONNREFUSED/);
    // …but a request on a connection opened before is answered, not reset, and told to go (Connection: close).
    expect(await reused.send('/readyz')).toEqual({ status: 503, connection: 'close', body: '{"status":"draining"}' });
    expect(await unused.send('/sse-like')).toEqual({ status: 200, connection: 'close', body: 'sse' });
    expect(order).toEqual([]);
    release();
    // The call in flight when the drain began finishes, and its connection closes after it.
    expect(await inflight).toEqual({ status: 200, connection: 'close', body: 'done' });
    expect(await Promise.all([reused.ended, unused.ended, slow.ended])).toEqual(['end', 'end', 'end']);
    // The idle connection is closed by its keep-alive timeout (the deadline its client was told), cleanly.
    expect(await idle.ended).toBe('end');
    await draining;
    expect(order).toEqual(['deps', 'drained']);
  });

  it('drain() under load: keep-alive clients hammering the server get an answer or a refused connection, never a reset', async () => {
    const app = express();
    app.post('/work', (_req, res) => void setTimeout(() => res.json({ ok: true }), 5));
    // Default keep-alive (5 s): the clients reuse their connections, as they do in production.
    const running = await listen(app, { host: '127.0.0.1', port: 0, logger: new MemoryLogger(), shutdownGraceMs: 10_000 });
    const agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
    const outcomes: Record<string, number> = {};
    const loop = async () => {
      for (;;) {
        let outcome: string;
        try {
          const r = await undiciRequest(`${running.url}/work`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, dispatcher: agent });
          await r.body.text();
          outcome = `http-${r.statusCode}`;
        } catch (err) {
          const code = (err as { code?: string }).code ?? (err as Error).name;
          // Reset while connecting: the kernel's answer for a connection still in the listener's accept queue
          // when it closed — like a refusal, no request went out. A reset after that would be a lost request.
          outcome = code === 'ECONNRESET' && (err as Error).message.startsWith('connect ') ? 'ECONNREFUSED' : code;
        }
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (outcome === 'ECONNREFUSED') return;
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await new Promise((r) => setTimeout(r, 300));
    const drained = running.drain();
    await Promise.all(loops);
    await drained;
    await agent.close();
    // Every request was answered (200) until the connection could no longer be made; none was cut.
    expect(Object.keys(outcomes).sort()).toEqual(['ECONNREFUSED', 'http-200']);
    expect(outcomes['http-200']).toBeGreaterThan(8);
  });
});
