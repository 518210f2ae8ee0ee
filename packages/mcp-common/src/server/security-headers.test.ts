import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { afterAll, describe, expect, it } from 'vitest';
import { securityHeaders, type SecurityHeadersOptions } from './security-headers.ts';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** The headers of one answer of an app with `headers` in front (the date header left out). */
async function headersOf(headers: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.use(headers);
  app.get('/x', (_req, res) => void res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
  await r.body?.cancel();
  const out = Object.fromEntries(r.headers);
  delete out['date'];
  return out;
}

describe('securityHeaders', () => {
  const cases: Array<[string, SecurityHeadersOptions, Record<string, string[]>]> = [
    ['API default', {}, { defaultSrc: ["'none'"], frameAncestors: ["'none'"] }],
    ['an HTML page with its own CSP, cacheable', { contentSecurityPolicy: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] }, noStore: false }, { defaultSrc: ["'self'"], frameAncestors: ["'none'"] }],
  ];
  it.each(cases)('answers with the headers helmet sets per request (%s)', async (_name, options, directives) => {
    const perRequest = helmet({ contentSecurityPolicy: { useDefaults: false, directives }, strictTransportSecurity: false, crossOriginResourcePolicy: { policy: 'cross-origin' } });
    const expected = await headersOf((req, res, next) => {
      if (options.noStore ?? true) res.setHeader('Cache-Control', 'no-store');
      perRequest(req, res, next);
    });
    const actual = await headersOf(securityHeaders(options));
    expect(actual).toEqual(expected);
    expect(actual['x-content-type-options']).toBe('nosniff');
    expect(actual['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(actual['x-powered-by']).toBeUndefined();
    expect(actual['strict-transport-security']).toBeUndefined();
    expect(actual['cache-control']).toBe(options.noStore === false ? undefined : 'no-store');
  });
});
