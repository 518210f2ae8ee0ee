import { startOpa, type RunningOpa } from '@mcp-platform/test-support';
import { MemoryLogger } from '@mcp-platform/test-support';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, CORE, MATRIX, POLICY_DIR, deploy, input } from './inputs.fixture.ts';
import { createOpaAuthorizer } from './opa.ts';
import type { Authorizer } from './types.ts';

describe('createOpaAuthorizer against a real OPA server', () => {
  let opa: RunningOpa;
  let authz: Authorizer;

  beforeAll(async () => {
    opa = await startOpa({ policyDir: POLICY_DIR });
    authz = createOpaAuthorizer({ url: opa.url });
  });
  afterAll(async () => {
    await authz.close();
    await opa.stop();
  });

  it('is ready when OPA is healthy', async () => {
    expect(await authz.ready()).toBe(true);
  });

  it.each(MATRIX)('groups %j on %s may %s: %s', async (groups, server, action, allowed) => {
    const d = await authz.decide(input(groups, server, action));
    expect(d.allow).toBe(allowed);
    expect(d.error).toBeUndefined();
    expect(d.reasons.length).toBeGreaterThan(0);
  });

  it('explains allows and denies', async () => {
    expect(await authz.decide(input(['admin'], 'network', 'write'))).toEqual({ allow: true, reasons: ['granted by group admin'] });
    expect(await authz.decide(input(['service-desk'], 'network', 'write'))).toEqual({
      allow: false,
      reasons: ['no group of the subject grants write on server network'],
    });
  });

  it('lets only admins deploy to CORE devices, naming them', async () => {
    expect((await authz.decide(deploy(['network-engineers'], [ACCESS]))).allow).toBe(true);
    expect(await authz.decide(deploy(['network-engineers'], [ACCESS, CORE]))).toEqual({
      allow: false,
      reasons: ['deploying to CORE devices requires group admin: core-sw-01'],
    });
    expect((await authz.decide(deploy(['network-engineers'], [CORE], 'execute'))).allow).toBe(false);
    expect((await authz.decide(deploy(['admin'], [CORE]))).allow).toBe(true);
  });

  it('requires the mcp:tools scope', async () => {
    const q = input(['admin'], 'network', 'read');
    q.subject.scopes = ['openid'];
    expect(await authz.decide(q)).toEqual({ allow: false, reasons: ['missing required scope mcp:tools'] });
  });

  it('fails closed on an undefined decision (unknown path)', async () => {
    const log = new MemoryLogger();
    const wrong = createOpaAuthorizer({ url: opa.url, path: 'mcp/authz/no_such_rule', logger: log });
    expect(await wrong.decide(input(['admin'], 'network', 'read'))).toEqual({
      allow: false,
      reasons: ['policy engine unavailable'],
      error: 'ERR_AUTHZ_UNAVAILABLE',
    });
    expect(log.lines.some((l) => l.level === 'warn')).toBe(true);
    await wrong.close();
  });

  it('fails closed on a malformed decision (a boolean instead of an object)', async () => {
    const wrong = createOpaAuthorizer({ url: `${opa.url}/`, path: '/mcp/authz/allow' });
    const d = await wrong.decide(input(['admin'], 'network', 'read'));
    expect(d).toMatchObject({ allow: false, error: 'ERR_AUTHZ_UNAVAILABLE' });
    await wrong.close();
  });

  it('fails closed on a non-2xx answer', async () => {
    // OPA answers 404 outside its API.
    const wrong = createOpaAuthorizer({ url: `${opa.url}/not-the-api/` });
    expect(await wrong.decide(input(['admin'], 'network', 'read'))).toMatchObject({ allow: false, error: 'ERR_AUTHZ_UNAVAILABLE' });
    await wrong.close();
  });

  it('answers unavailable after close', async () => {
    const a = createOpaAuthorizer({ url: opa.url });
    await a.close();
    await a.close();
    expect((await a.decide(input(['admin'], 'network', 'read'))).error).toBe('ERR_AUTHZ_UNAVAILABLE');
    expect(await a.ready()).toBe(false);
  });

  it('rejects misuse as a TypeError', () => {
    expect(() => createOpaAuthorizer({ url: 'ftp://127.0.0.1' })).toThrow(TypeError);
    expect(() => createOpaAuthorizer({ url: 'not a url' })).toThrow(TypeError);
    expect(() => createOpaAuthorizer({ url: opa.url, timeoutMs: 0 })).toThrow(TypeError);
  });
});

describe('createOpaAuthorizer when OPA goes away', () => {
  it('denies with ERR_AUTHZ_UNAVAILABLE when OPA hangs (timeout) and when it is stopped mid-run', async () => {
    const opa = await startOpa({ policyDir: POLICY_DIR });
    const log = new MemoryLogger();
    const authz = createOpaAuthorizer({ url: opa.url, timeoutMs: 300, logger: log });
    try {
      const q = input(['admin'], 'network', 'read');
      expect((await authz.decide(q)).allow).toBe(true); // keep-alive connection now open

      await opa.pause();
      const started = Date.now();
      expect(await authz.decide(q)).toEqual({ allow: false, reasons: ['policy engine unavailable'], error: 'ERR_AUTHZ_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(log.lines.at(-1)?.fields).toMatchObject({ error: { code: 'ERR_AUTHZ_UNAVAILABLE', message: 'no answer within 300 ms' } });
      expect(await authz.ready()).toBe(false);
      opa.resume();
      expect((await authz.decide(q)).allow).toBe(true);

      await opa.kill();
      expect(await authz.decide(q)).toEqual({ allow: false, reasons: ['policy engine unavailable'], error: 'ERR_AUTHZ_UNAVAILABLE' });
      expect(await authz.ready()).toBe(false);
    } finally {
      await authz.close();
      await opa.stop();
    }
  });
});

describe('createOpaAuthorizer connection use', () => {
  let server: Server;
  let url: string;
  let connections = 0;
  const bodies: unknown[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        bodies.push({ method: req.method, path: req.url, body: body === '' ? undefined : JSON.parse(body) });
        res.setHeader('content-type', 'application/json');
        res.end(req.url === '/health' ? '{}' : JSON.stringify({ result: { allow: true, reasons: ['granted by group admin'] } }));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks POST /v1/data/<path> with {input} and reuses its keep-alive connections for decisions in a row', async () => {
    connections = 0;
    bodies.length = 0;
    const authz = createOpaAuthorizer({ url });
    const q = input(['admin'], 'network', 'read');
    for (let i = 0; i < 20; i++) expect(await authz.decide(q)).toEqual({ allow: true, reasons: ['granted by group admin'] });
    expect(await authz.ready()).toBe(true);
    await authz.close();
    // Not one per decision: undici's pool opens a second socket when the next request is dispatched
    // before it has marked the first one idle again, then reuses both.
    expect(connections).toBeLessThanOrEqual(2);
    expect(bodies[0]).toEqual({ method: 'POST', path: '/v1/data/mcp/authz/decision', body: { input: q } });
    expect(bodies.at(-1)).toEqual({ method: 'GET', path: '/health', body: undefined });
  });

  it('uses a given dispatcher and leaves it open on close()', async () => {
    bodies.length = 0;
    const dispatcher = new Agent();
    try {
      const authz = createOpaAuthorizer({ url: `${url}/prefix/`, path: 'mcp/proxy/decision', dispatcher });
      expect((await authz.decide(input(['admin'], 'network', 'read'))).allow).toBe(true);
      await authz.close();
      expect(bodies[0]).toMatchObject({ method: 'POST', path: '/prefix/v1/data/mcp/proxy/decision' });
      expect(dispatcher.closed).toBe(false);
    } finally {
      await dispatcher.close();
    }
  });
});
