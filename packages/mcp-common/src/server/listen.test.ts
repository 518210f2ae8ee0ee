import { request } from 'node:http';
import express from 'express';
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
});
