import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { handlerChain } from './handler-chain.ts';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** Serves GET /x through `mount` (the chain or the plain Express route), then a fallback and an error handler. */
async function serve(mount: (app: express.Express, handlers: RequestHandler[]) => void, handlers: RequestHandler[]): Promise<string> {
  const app = express();
  mount(app, handlers);
  app.get('/x', (_req, res) => void res.status(299).send('next route'));
  app.use((_req: Request, res: Response) => void res.status(404).send('fell through'));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => void res.status(500).send(`error: ${err instanceof Error ? err.message : String(err)}`));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
}

const mark = (name: string): RequestHandler => (_req, res, next) => {
  res.append('x-steps', name);
  next();
};

describe('handlerChain', () => {
  const cases: Array<[string, RequestHandler[]]> = [
    ['all steps call next', [mark('a'), mark('b'), (_req, res) => void res.send('end')]],
    ['a step answers and stops', [mark('a'), (_req, res) => void res.status(401).send('no'), mark('never')]],
    ['a step passes an error', [mark('a'), (_req, _res, next) => next(new Error('bad')), mark('never')]],
    ['a step throws', [mark('a'), () => { throw new Error('thrown'); }, mark('never')]],
    ['an async step rejects', [mark('a'), async () => { throw new Error('rejected'); }, mark('never')]],
    ['an async step continues', [async (_req, _res, next) => { await Promise.resolve(); next(); }, (_req, res) => void res.send('after async')]],
    ["next('route')", [mark('a'), (_req, _res, next) => next('route'), mark('never')]],
    ['every step calls next', [mark('a'), mark('b')]],
  ];
  it.each(cases)('answers as the same handlers on an Express route (%s)', async (_name, handlers) => {
    const chained = await serve((app, hs) => app.get('/x', handlerChain(hs)), handlers);
    const plain = await serve((app, hs) => app.get('/x', ...hs), handlers);
    const answer = async (url: string) => {
      const r = await fetch(url);
      return { status: r.status, steps: r.headers.get('x-steps'), body: await r.text() };
    };
    expect(await answer(chained)).toEqual(await answer(plain));
  });
});
