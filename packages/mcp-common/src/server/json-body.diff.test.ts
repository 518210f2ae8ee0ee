import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepthGuard } from '../input/index.ts';
import { createLogger } from '../logging/index.ts';
import { jsonRpcErrorHandler } from './error-handler.ts';
import { mcpJsonBody } from './json-body.ts';

// The differential test of the MCP endpoint's body reader: the same hostile and valid requests go to
// body-parser (`express.json`, what the endpoint used before) and to `mcpJsonBody`, each in an app
// with the spine's own error handler; every answer (status, content type, body) and what reached the
// error handler (status, error type) must be the same.

const LIMITS = { maxBodyBytes: 256, maxJsonDepth: 4 };
const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

interface Target {
  port: number;
  /** What each request left behind on the server: the refusal handed to the error handler, or the parsed body. */
  seen: string[];
}

async function appWith(parser: RequestHandler): Promise<Target> {
  const seen: string[] = [];
  const app = express();
  app.post('/mcp', parser, (req: Request, res: Response) => {
    seen.push(`parsed ${JSON.stringify(req.body ?? null)}`);
    res.json({ body: req.body === undefined ? 'unparsed' : req.body });
  });
  app.use((err: { status?: unknown; type?: unknown }, _req: Request, _res: Response, next: NextFunction) => {
    seen.push(`refused ${String(err.status)} ${String(err.type)}`);
    next(err);
  });
  app.use(jsonRpcErrorHandler(createLogger({ serviceName: 'json-body-diff', serviceVersion: '0', level: 'error', stream: new PassThrough().resume() })));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, seen };
}

interface Sent {
  headers: Record<string, string>;
  /** The body, written in these pieces (each its own chunk when chunked). */
  chunks: Buffer[];
  /** `length`: a Content-Length of the bytes sent (default); `chunked`; `none` (neither header); or a declared length that the bytes do not meet. */
  framing?: 'length' | 'chunked' | 'none' | { declared: number };
  /** `abort`: the client goes away after the body's first piece; `half-close`: it stops sending and waits. */
  end?: 'abort' | 'half-close';
}

/** Sends one request on a raw socket; the answer (status, content type, body) or `no answer`. */
async function send(port: number, r: Sent): Promise<string> {
  const body = Buffer.concat(r.chunks);
  const framing = r.framing ?? 'length';
  const head = [`POST /mcp HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [k, v] of Object.entries(r.headers)) head.push(`${k}: ${v}`);
  if (framing === 'length') head.push(`Content-Length: ${body.length}`);
  else if (framing === 'chunked') head.push('Transfer-Encoding: chunked');
  else if (framing !== 'none') head.push(`Content-Length: ${framing.declared}`);
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  const closed = once(socket, 'close');
  socket.on('error', () => {});
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  for (const [i, chunk] of r.chunks.entries()) {
    socket.write(framing === 'chunked' ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
    if (r.end === 'abort' && i === 0) {
      await sleep(20);
      socket.destroy();
      return 'no answer (aborted)';
    }
    await sleep(1);
  }
  if (framing === 'chunked') socket.write('0\r\n\r\n');
  if (r.end === 'half-close') socket.end();
  const timeout = sleep(3000).then(() => 'timeout' as const);
  if ((await Promise.race([closed, timeout])) === 'timeout') socket.destroy();
  const text = Buffer.concat(received).toString('utf8');
  if (text === '') return 'no answer';
  const [headPart = '', ...rest] = text.split('\r\n\r\n');
  const status = headPart.split('\r\n')[0]?.split(' ')[1];
  const type = /\r\ncontent-type: ([^\r]*)/i.exec(headPart)?.[1];
  return `${status} ${type} ${rest.join('\r\n\r\n')}`;
}

const json = (s: string) => [Buffer.from(s)];
const rpc = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_device","arguments":{"id":"d1"}}}';
const textBodies: Array<[string, Buffer[]]> = [
  ['a JSON-RPC call', json(rpc)],
  ['empty', []],
  ['whitespace only', json(' \n\t ')],
  ['an object after whitespace', json(' \n {"a":1}')],
  ['an array', json('[1,2]')],
  ['a UTF-8 BOM first', [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]],
  ['a string at the top', json('"just a string"')],
  ['a number at the top', json('42')],
  ['null at the top', json('null')],
  ['true after whitespace', json('  true')],
  ['truncated JSON', json('{"a":')],
  ['bad JSON', json('{a:1}')],
  ['trailing garbage', json('{"a":1} x')],
  ['too deep', json('{"params":{"arguments":{"a":[[1]]}}}')],
  ['too deep, arrays', json('[[[[[1]]]]]')],
  ['deep only inside a string', json('{"a":"[[[[[[[[[["}')],
  ['exactly at the depth limit', json('{"a":{"b":{"c":[1]}}}')],
  ['oversized', json(`{"pad":"${'x'.repeat(300)}"}`)],
  ['exactly the limit', json(`{"pad":"${'x'.repeat(LIMITS.maxBodyBytes - 10)}"}`)],
  ['one byte over the limit', json(`{"pad":"${'x'.repeat(LIMITS.maxBodyBytes - 9)}"}`)],
  ['invalid UTF-8', [Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]],
  ['a lone surrogate escape', json('{"a":"\\ud800"}')],
  ['NUL bytes', [Buffer.from('{"a":1}\u0000')]],
  ['deep and oversized', json(`${'['.repeat(200)}${']'.repeat(200)}`)],
];

const contentTypes: Array<string | undefined> = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json;charset="utf-8"',
  'application/json; charset=utf-16le',
  'application/json; charset=utf-16',
  'application/json; charset=utf-32',
  'application/json; charset=latin1',
  'application/json; charset=utf-x',
  'application/json; charset=',
  'application/json; charset',
  'application/json; foo=bar; charset=utf-8',
  'application/vnd.api+json',
  'application/merge-patch+json; charset=utf-8',
  'APPLICATION/JSON',
  ' application/json ',
  'application/json, text/plain',
  'text/json',
  'text/plain',
  'application/jsonx',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/*',
  '*/*',
  'json',
  '',
  undefined,
];

describe('mcpJsonBody against body-parser (differential)', () => {
  let reference: Target;
  let ours: Target;
  beforeAll(async () => {
    reference = await appWith(express.json({ limit: LIMITS.maxBodyBytes, type: ['application/json', 'application/*+json'], verify: jsonDepthGuard(LIMITS.maxJsonDepth) }));
    ours = await appWith(mcpJsonBody(LIMITS));
  });

  /** Sends `r` to both (twice each: the second answer comes from a remembered verdict) and requires the same. */
  async function same(label: string, r: Sent): Promise<void> {
    for (let round = 0; round < 2; round++) {
      const before = [reference.seen.length, ours.seen.length];
      const expected = await send(reference.port, r);
      const actual = await send(ours.port, r);
      // An aborted request leaves its trace on the server a moment later.
      for (let i = 0; i < 50 && (reference.seen.length === before[0] || ours.seen.length === before[1]) && r.end === 'abort'; i++) await sleep(20);
      expect(actual, `${label} (answer, round ${round})`).toBe(expected);
      expect(ours.seen.slice(before[1]), `${label} (what the server saw, round ${round})`).toEqual(reference.seen.slice(before[0]));
    }
  }

  it('answers every Content-Type the same, for valid and hostile bodies', async () => {
    const bodies = textBodies.filter(([name]) => ['a JSON-RPC call', 'empty', 'bad JSON', 'too deep', 'oversized', 'a UTF-8 BOM first'].includes(name));
    for (const type of contentTypes) {
      for (const [name, chunks] of bodies) await same(`${String(type)} / ${name}`, { headers: type === undefined ? {} : { 'Content-Type': type }, chunks });
    }
  });

  it('answers every body the same (Content-Length and chunked)', async () => {
    for (const [name, chunks] of textBodies) {
      await same(`${name} (length)`, { headers: { 'Content-Type': 'application/json' }, chunks });
      await same(`${name} (chunked)`, { headers: { 'Content-Type': 'application/json' }, chunks, framing: 'chunked' });
      // The same bytes in pieces of 7: chunk borders inside tokens and inside UTF-8 sequences.
      const all = Buffer.concat(chunks);
      const pieces = Array.from({ length: Math.ceil(all.length / 7) }, (_v, i) => all.subarray(i * 7, i * 7 + 7));
      await same(`${name} (chunked in pieces of 7)`, { headers: { 'Content-Type': 'application/json' }, chunks: pieces, framing: 'chunked' });
    }
  });

  it('reads other charsets as body-parser does (UTF-16 with and without BOM, UTF-32)', async () => {
    const doc = '{"name":"Grüße ✓"}';
    const utf16be = Buffer.from(doc, 'utf16le').swap16();
    await same('utf-16le', { headers: { 'Content-Type': 'application/json; charset=utf-16le' }, chunks: [Buffer.from(doc, 'utf16le')] });
    await same('utf-16be', { headers: { 'Content-Type': 'application/json; charset=utf-16be' }, chunks: [utf16be] });
    await same('utf-16 with a BOM', { headers: { 'Content-Type': 'application/json; charset=utf-16' }, chunks: [Buffer.from([0xfe, 0xff]), utf16be] });
    await same('utf-16 read as utf-8', { headers: { 'Content-Type': 'application/json; charset=utf-8' }, chunks: [Buffer.from(doc, 'utf16le')] });
    await same('latin1 bytes', { headers: { 'Content-Type': 'application/json; charset=iso-8859-1' }, chunks: [Buffer.from(doc, 'latin1')] });
  });

  it('inflates and refuses Content-Encodings as body-parser does', async () => {
    const headers = (encoding: string) => ({ 'Content-Type': 'application/json', 'Content-Encoding': encoding });
    const big = `{"pad":"${'x'.repeat(5000)}"}`;
    await same('gzip', { headers: headers('gzip'), chunks: [gzipSync(rpc)] });
    await same('GZIP (case)', { headers: headers('GZIP'), chunks: [gzipSync(rpc)] });
    await same('gzip, chunked', { headers: headers('gzip'), chunks: [gzipSync(rpc)], framing: 'chunked' });
    await same('deflate', { headers: headers('deflate'), chunks: [deflateSync(rpc)] });
    await same('br', { headers: headers('br'), chunks: [brotliCompressSync(rpc)] });
    await same('identity', { headers: headers('identity'), chunks: json(rpc) });
    await same('gzip of bad JSON', { headers: headers('gzip'), chunks: [gzipSync('{a:')] });
    await same('gzip of a too deep body', { headers: headers('gzip'), chunks: [gzipSync('[[[[[[1]]]]]]')] });
    await same('gzip inflating over the limit (small on the wire)', { headers: headers('gzip'), chunks: [gzipSync(big)] });
    await same('gzip header, garbage after', { headers: headers('gzip'), chunks: [Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6, 7, 8])] });
    await same('not gzip at all', { headers: headers('gzip'), chunks: json(rpc) });
    await same('truncated gzip', { headers: headers('gzip'), chunks: [gzipSync(rpc).subarray(0, 20)] });
    await same('compress (unsupported)', { headers: headers('compress'), chunks: json(rpc) });
    await same('gzip, gzip (two codings)', { headers: headers('gzip, gzip'), chunks: [gzipSync(gzipSync(rpc))] });
    await same('unsupported coding with a bad charset', { headers: { 'Content-Type': 'application/json; charset=latin1', 'Content-Encoding': 'compress' }, chunks: json(rpc) });
    await same('unsupported coding on text/plain', { headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'compress' }, chunks: json(rpc) });
  });

  it('answers oversized, mismatched and aborted bodies the same', async () => {
    const type = { 'Content-Type': 'application/json' };
    await same('declared length over the limit, short body', { headers: type, chunks: json('{"a":1}'), framing: { declared: 100_000 }, end: 'half-close' });
    await same('declared length longer than the body, then the client stops sending', { headers: type, chunks: json('{"a":1}'), framing: { declared: 20 }, end: 'half-close' });
    await same('aborted after the first piece (length)', { headers: type, chunks: [Buffer.from('{"a":'), Buffer.from('1}')], end: 'abort' });
    await same('aborted after the first piece (chunked)', { headers: type, chunks: [Buffer.from('{"a":'), Buffer.from('1}')], framing: 'chunked', end: 'abort' });
    await same('chunked over the limit', { headers: type, chunks: Array.from({ length: 10 }, () => Buffer.from(`"${'y'.repeat(40)}",`)), framing: 'chunked' });
    await same('gzip, aborted', { headers: { ...type, 'Content-Encoding': 'gzip' }, chunks: [gzipSync(rpc).subarray(0, 10), gzipSync(rpc).subarray(10)], end: 'abort' });
    await same('Content-Length 0', { headers: type, chunks: [] });
    await same('no body framing at all', { headers: type, chunks: [], framing: 'none' });
  });
});
