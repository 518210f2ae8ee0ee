import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonDepthGuard } from '../input/index.ts';
import { mcpJsonBody } from './json-body.ts';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** An app that answers what the parser made of the body (or its error status). */
async function appWith(parser: RequestHandler): Promise<string> {
  const app = express();
  app.post('/mcp', parser, (req: Request, res: Response) => void res.json({ body: req.body === undefined ? 'unparsed' : req.body }));
  app.use((err: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => void res.status(err.status ?? 500).json({ error: err.type ?? 'other' }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

describe('mcpJsonBody', () => {
  it('parses exactly what express.json with the JSON media types parses, also for repeated Content-Type values', async () => {
    const limits = { maxBodyBytes: 64, maxJsonDepth: 3 };
    const reference = await appWith(express.json({ limit: limits.maxBodyBytes, type: ['application/json', 'application/*+json'], verify: jsonDepthGuard(limits.maxJsonDepth) }));
    const ours = await appWith(mcpJsonBody(limits));
    const types = [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/vnd.api+json',
      'application/json; charset=latin1',
      'application/json; charset',
      'text/plain',
      'application/jsonx',
      'application/x-www-form-urlencoded',
      'json',
      '',
      undefined,
    ];
    const bodies = ['{"a":1}', '', '[[[[1]]]]', '{"a":', `{"pad":"${'x'.repeat(80)}"}`, '"just a string"'];
    for (let round = 0; round < 2; round++) {
      for (const type of types) {
        for (const body of bodies) {
          const ask = async (url: string) => {
            const r = await fetch(url, { method: 'POST', body, headers: type === undefined ? {} : { 'content-type': type } });
            return { status: r.status, body: await r.text() };
          };
          expect(await ask(ours), `${type} ${body}`).toEqual(await ask(reference));
        }
      }
    }
  });
});
