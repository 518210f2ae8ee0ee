import { Validator } from '@seriousme/openapi-schema-validator';
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAuthEdges } from '@mcp-platform/test-support';
import { jwtPayload, startProxyHarness, type ProxyHarness } from './harness.ts';

let h: ProxyHarness;

beforeAll(async () => {
  h = await startProxyHarness({ env: { ALLOWED_ORIGINS: 'https://portal.example.com' } });
});
afterAll(async () => {
  await h?.stop();
});

async function call(token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${h.proxyUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('rest-proxy through the real stack', () => {
  it('lists the MCP servers behind it with their health', async () => {
    const r = await call(await h.token('nina'), 'GET', '/api/v1/servers');
    expect(r.status).toBe(200);
    expect(r.json['servers']).toEqual(
      expect.arrayContaining([
        { name: 'network', url: h.mcp['network']?.url, status: 'up', breaker: 'closed' },
        { name: 'itsm', url: h.mcp['itsm']?.url, status: 'up', breaker: 'closed' },
      ]),
    );
    expect(r.headers.get('ratelimit')).toMatch(/^"rest-proxy"; r=\d+; t=\d+$/);
    expect(r.headers.get('ratelimit-policy')).toMatch(/^"rest-proxy"; q=\d+; w=\d+/);
  });

  it('a legacy call creates an incident through mcp-itsm', async () => {
    const before = h.servicenow.state.tables.incident.length;
    const r = await call(await h.token('sam'), 'POST', '/api/v1/mcp/itsm/tools/create_incident', {
      arguments: { short_description: 'Printer on floor 3 is down', urgency: 2, correlation_id: 'legacy-app-4711' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ok', server: 'itsm', tool: 'create_incident', result: { created: true, incident: { short_description: 'Printer on floor 3 is down' } } });
    expect(h.servicenow.state.tables.incident.length).toBe(before + 1);
    const posted = h.servicenow.state.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/table/incident'));
    expect(posted.length).toBe(1);
  });

  it('exchanges the token: the MCP server sees its own audience and the caller as subject, never the original token', async () => {
    const token = await h.token('nina');
    const from = h.backendRequests.length;
    const r = await call(token, 'POST', '/api/v1/mcp/network/tools/list_devices', { arguments: { role: 'CORE' } });
    expect(r.status).toBe(200);
    expect((r.json['result'] as { devices: unknown[] }).devices.length).toBeGreaterThan(0);
    const sent = h.backendRequests.slice(from).filter((q) => q.url.startsWith(h.mcp['network']?.url ?? '-'));
    expect(sent.length).toBeGreaterThan(0);
    for (const q of sent) {
      expect(q.authorization).toMatch(/^Bearer /);
      const forwarded = q.authorization?.slice('Bearer '.length) ?? '';
      expect(forwarded).not.toBe(token);
      expect(jwtPayload(forwarded)).toMatchObject({ aud: h.mcp['network']?.url, sub: 'nina', client_id: 'rest-proxy', act: { sub: 'rest-proxy' } });
    }
    // No request to any backend ever carried a token issued for the proxy.
    for (const q of h.backendRequests) expect(jwtPayload(q.authorization?.slice(7) ?? 'x.e30.x')['aud']).not.toBe(h.proxyUrl);
    // The MCP server's own audit trail names the caller, under the proxy request's trace id.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traced = await fetch(`${h.proxyUrl}/api/v1/mcp/network/tools/list_sites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ arguments: {} }),
    });
    expect(traced.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // the server's stdout reaches us asynchronously
    const audit = h.mcp['network']?.logs.filter((l) => (l['event'] as { action?: string } | undefined)?.action === 'authz-decision') ?? [];
    expect(audit.some((l) => (l['user'] as { id?: string } | undefined)?.id === 'nina')).toBe(true);
    expect(audit.some((l) => (l['trace'] as { id?: string } | undefined)?.id === traceId && (l['user'] as { id?: string } | undefined)?.id === 'nina')).toBe(true);
  });

  it('a machine client (client credentials) is exchanged too: the MCP server sees the client as subject, the proxy as actor', async () => {
    const token = await h.clientToken('agent-x', 'agent-x-dev-secret');
    const from = h.backendRequests.length;
    const r = await call(token, 'GET', '/api/v1/mcp/network/tools');
    expect(r.status).toBe(200);
    const sent = h.backendRequests.slice(from).filter((q) => q.url.startsWith(h.mcp['network']?.url ?? '-'));
    expect(sent.length).toBeGreaterThan(0);
    for (const q of sent) {
      const claims = jwtPayload(q.authorization?.slice(7) ?? 'x.e30.x');
      expect(claims).toMatchObject({ sub: 'agent-x', act: { sub: 'rest-proxy' } });
      expect(claims['aud']).not.toBe(h.proxyUrl);
      expect(q.authorization).not.toBe(`Bearer ${token}`);
    }
  });

  it('a tampered token is refused by the proxy itself, and nothing reaches a backend or the exchange', async () => {
    const forged = await h.token('nina');
    const from = h.backendRequests.length;
    const r = await call(`${forged.slice(0, -4)}AAAA`, 'GET', '/api/v1/mcp/network/tools');
    expect(r.status).toBe(401);
    expect(h.backendRequests.length).toBe(from);
  });

  it('a denied call answers 403 with the reason and nothing reaches the simulator', async () => {
    const before = h.catalyst.state.requests.length;
    const r = await call(await h.token('sam'), 'POST', '/api/v1/mcp/network/tools/deploy_template', {
      arguments: { template_id: SEED_IDS.templates.loginBanner, device_ids: [SEED_IDS.devices.sjc01Acc01] },
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.json).toMatchObject({ status: 403, code: 'ERR_AUTHZ_DENIED' });
    expect((r.json['reasons'] as string[]).length).toBeGreaterThan(0);
    expect(h.catalyst.state.requests.length).toBe(before);
  });

  it('step-up (RFC 9470): a password-only login gets 401 with the challenge (naming the proxy), the second factor gets through', async () => {
    const deploy = async (token: string) =>
      call(token, 'POST', '/api/v1/mcp/network/tools/deploy_template', { arguments: { template_id: SEED_IDS.templates.loginBanner, device_ids: [SEED_IDS.devices.sjc01Core01] } });
    const before = h.catalyst.state.deployments.length;
    const weak = await deploy(await h.idp.issueToken({ user: 'alice', audience: h.proxyUrl, acr: 'pwd' }));
    expect(weak.status).toBe(401);
    expect(weak.json).toMatchObject({ status: 401, code: 'ERR_STEP_UP_REQUIRED', type: 'https://mcp-platform.dev/problems/step-up-required' });
    const challenge = weak.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_user_authentication"');
    expect(challenge).toContain('acr_values="mfa"');
    expect(challenge).toContain('max_age="900"');
    expect(challenge).toContain(`resource_metadata="${h.proxyUrl}/.well-known/oauth-protected-resource"`);
    expect(h.catalyst.state.deployments.length).toBe(before);
    const strong = await deploy(await h.token('alice'));
    expect(strong.status).toBe(200);
    expect(h.catalyst.state.deployments.length).toBe(before + 1);
  });

  it('the proxy rule denies a caller without groups before any delegation', async () => {
    const from = h.backendRequests.length;
    const r = await call(await h.token('eve'), 'GET', '/api/v1/mcp/network/tools');
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ code: 'ERR_AUTHZ_DENIED', reasons: ['no group of the subject may use the REST proxy'] });
    expect(h.backendRequests.length).toBe(from);
  });

  it('lists only the tools the caller may call', async () => {
    const sam = await call(await h.token('sam'), 'GET', '/api/v1/mcp/network/tools');
    const nina = await call(await h.token('nina'), 'GET', '/api/v1/mcp/network/tools');
    const names = (r: { json: Record<string, unknown> }) => (r.json['tools'] as { name: string }[]).map((t) => t.name);
    expect(names(nina)).toContain('deploy_template');
    expect(names(sam)).not.toContain('deploy_template');
    expect(names(sam)).toContain('list_devices');
  });

  it('reuses a caller\'s tool list per backend for TOOLS_CACHE_TTL_MS, per token; 0 lists every time', async () => {
    const listsSince = (from: number) => h.backendRequests.slice(from).filter((r) => r.method === 'tools/list').length;
    const [first, second] = [await h.token('nina'), await h.token('nina')];
    let from = h.backendRequests.length;
    expect((await call(first, 'GET', '/api/v1/mcp/network/tools')).status).toBe(200);
    expect(listsSince(from)).toBe(1);
    from = h.backendRequests.length;
    expect((await call(first, 'GET', '/api/v1/mcp/network/tools')).status).toBe(200); // default TTL 30 s: from the cache
    expect(listsSince(from)).toBe(0);
    expect((await call(second, 'GET', '/api/v1/mcp/network/tools')).status).toBe(200); // another token: its own list
    expect(listsSince(from)).toBe(1);

    const uncached = await h.startReplica({ TOOLS_CACHE_TTL_MS: '0' });
    const short = await h.startReplica({ TOOLS_CACHE_TTL_MS: '200' });
    const viaReplica = (url: string) => fetch(`${url}/api/v1/mcp/network/tools`, { headers: { authorization: `Bearer ${first}` } }).then((r) => r.status);
    from = h.backendRequests.length;
    expect([await viaReplica(uncached.url), await viaReplica(uncached.url)]).toEqual([200, 200]);
    expect(listsSince(from)).toBe(2);
    from = h.backendRequests.length;
    expect(await viaReplica(short.url)).toBe(200);
    await new Promise((r) => setTimeout(r, 300)); // past the 200 ms TTL
    expect(await viaReplica(short.url)).toBe(200);
    expect(listsSince(from)).toBe(2);
  });

  it('401 with a challenge when the token is missing, wrong or for another audience', async () => {
    for (const token of [undefined, 'not-a-jwt', await h.idp.issueToken({ user: 'nina', audience: h.mcp['network']?.url ?? '' })]) {
      const r = await call(token, 'GET', '/api/v1/servers');
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain(`resource_metadata="${h.proxyUrl}/.well-known/oauth-protected-resource"`);
      expect(r.json).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
    const prm = await fetch(`${h.proxyUrl}/.well-known/oauth-protected-resource`).then((x) => x.json() as Promise<Record<string, unknown>>);
    expect(prm).toMatchObject({ authorization_servers: [h.idp.issuer] });
    expect(String(prm['resource']).replace(/\/$/, '')).toBe(h.proxyUrl);
  });

  it('400 with field errors for arguments that do not match the input schema, before the MCP server is asked', async () => {
    const token = await h.token('nina');
    await call(token, 'GET', '/api/v1/mcp/network/tools'); // tool list cached
    const from = h.backendRequests.length;
    const r = await call(token, 'POST', '/api/v1/mcp/network/tools/list_devices', { arguments: { role: 'ROUTER', limit: 'ten' } });
    expect(r.status).toBe(400);
    expect(r.json['code']).toBe('ERR_VALIDATION');
    expect((r.json['errors'] as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual(['/arguments/limit', '/arguments/role']);
    expect(h.backendRequests.length).toBe(from);
    const bad = await call(token, 'POST', '/api/v1/mcp/network/tools/list_devices', '{"arguments":');
    expect(bad.status).toBe(400);
    const shape = await call(token, 'POST', '/api/v1/mcp/network/tools/list_devices', { args: {} });
    expect(shape.status).toBe(400);
    expect(shape.json['errors']).toEqual([
      { pointer: '/arguments', message: 'is required' },
      { pointer: '/args', message: 'is not allowed' },
    ]);
  });

  it('404 for an unknown server or tool; 404 when the tool finds nothing; 422 with the tool message when it fails', async () => {
    const token = await h.token('alice');
    expect((await call(token, 'GET', '/api/v1/mcp/nope/tools')).status).toBe(404);
    expect((await call(token, 'POST', '/api/v1/mcp/network/tools/no_such_tool', { arguments: {} })).status).toBe(404);
    const missing = await call(token, 'POST', '/api/v1/mcp/network/tools/get_device', { arguments: { device_id: '00000000-0000-4000-8000-000000000000' } });
    expect(missing.status).toBe(404);
    const failed = await call(token, 'POST', '/api/v1/mcp/itsm/tools/resolve_incident', { arguments: { incident: 'INC9999999', close_code: 'Duplicate', close_notes: 'x' } });
    expect([404, 422]).toContain(failed.status);
  });

  it('serves an OpenAPI 3.1 document with one operation per tool that validates against the 3.1 schema', async () => {
    const r = await call(await h.token('alice'), 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(r.json);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const paths = Object.keys(r.json['paths'] as object);
    expect(paths).toContain('/api/v1/mcp/network/tools/deploy_template');
    expect(paths).toContain('/api/v1/mcp/itsm/tools/create_incident');
    const op = (r.json['paths'] as Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: { arguments: { properties: object } } } }> } } }>)[
      '/api/v1/mcp/itsm/tools/create_incident'
    ];
    expect(Object.keys(op?.post.requestBody.content['application/json']?.schema.properties.arguments.properties ?? {})).toContain('short_description');
    // A service-desk caller's document has no deploy operation.
    const sam = await call(await h.token('sam'), 'GET', '/openapi.json');
    expect(Object.keys(sam.json['paths'] as object)).not.toContain('/api/v1/mcp/network/tools/deploy_template');
  });

  it('logs one ECS line per request with the caller and audits the proxy decision', async () => {
    const line = h.logs.find((l) => (l['event'] as { action?: string } | undefined)?.action === 'proxy-request' && (l['user'] as { id?: string } | undefined)?.id === 'sam');
    expect(line).toBeDefined();
    expect(line?.['service.name'] ?? (line?.['service'] as { name?: string })?.name).toBe('rest-proxy');
    expect(JSON.stringify(h.logs)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });

  it('answers CORS preflights for configured portal origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${h.proxyUrl}/api/v1/mcp/itsm/tools/create_incident`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const ok = await preflight('https://portal.example.com');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://portal.example.com');
    expect(ok.headers.get('access-control-allow-headers')).toContain('Authorization');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const real = await fetch(`${h.proxyUrl}/api/v1/servers`, { headers: { origin: 'https://portal.example.com', authorization: `Bearer ${await h.token('nina')}` } });
    expect(real.headers.get('access-control-allow-origin')).toBe('https://portal.example.com');
    expect(real.headers.get('access-control-expose-headers')).toContain('RateLimit');
  });
});

describe('metric labels under hostile tool names', () => {
  it('keeps caller-chosen tool names (8 KB, NUL bytes) out of /metrics', async () => {
    const metrics = async () => (await fetch(`${h.proxyUrl}/metrics`)).text();
    const token = await h.token('nina');
    const before = (await metrics()).length;
    const long = 'x'.repeat(8 * 1024);
    const hostile = [...Array.from({ length: 50 }, (_, i) => `${long}${i}`), ...Array.from({ length: 50 }, (_, i) => `evil%00name${i}`)];
    for (const name of hostile) {
      const r = await call(token, 'POST', `/api/v1/mcp/network/tools/${name}`, { arguments: {} });
      expect([400, 403, 404, 414, 422]).toContain(r.status);
    }
    const after = await metrics();
    expect(after).not.toContain('\0');
    expect(after).not.toContain('xxxxxxxxxxxxxxxx');
    expect(after).not.toContain('evil');
    // 100 distinct names add at most the few fixed series of the "other" label.
    expect(after.length - before).toBeLessThan(8 * 1024);
    expect(after).toMatch(/mcp_tool_calls_total\{[^}]*tool="other"/);
  });
});

describe('security headers and Host check', () => {
  it('sends nosniff and no-store on API answers, and a frame-ancestors CSP on /docs', async () => {
    const api = await call(await h.token('nina'), 'GET', '/api/v1/servers');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const refused = await call(undefined, 'GET', '/api/v1/servers');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const docs = await fetch(`${h.proxyUrl}/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    expect(docs.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    await docs.text();
  });

  it('refuses a foreign Host header (DNS rebinding) with 403, but not the probes', async () => {
    const { request } = await import('node:http');
    const withHost = (path: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(h.proxyUrl);
        const req = request({ host: u.hostname, port: Number(u.port), path, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const evil = await withHost('/openapi.json', 'attacker.example:8080');
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ code: 'ERR_HOST_NOT_ALLOWED' });
    expect((await withHost('/docs/', 'attacker.example')).status).toBe(403);
    expect((await withHost('/healthz', 'attacker.example')).status).toBe(200);
  });
});

// Last: the probe stops the IdP.
describe('auth edges (same on every surface)', () => {
  it('answers no credentials with 401 ERR_TOKEN_MISSING, a missing scope with 403 ERR_INSUFFICIENT_SCOPE, an unreachable IdP with 503 ERR_IDP_UNAVAILABLE', async () => {
    const r = await probeAuthEdges({
      idp: h.idp,
      audience: h.proxyUrl,
      send: (authorization) => fetch(`${h.proxyUrl}/api/v1/servers`, authorization === undefined ? {} : { headers: { authorization } }),
    });
    expect(r.missing.status).toBe(401);
    expect(r.missing.headers.get('www-authenticate')).not.toContain('error=');
    expect(await r.missing.json()).toMatchObject({ status: 401, code: 'ERR_TOKEN_MISSING' });
    expect(r.missingScope.status).toBe(403);
    expect(r.missingScope.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(await r.missingScope.json()).toMatchObject({ status: 403, code: 'ERR_INSUFFICIENT_SCOPE' });
    expect(r.idpDown.status).toBe(503);
    expect(r.idpDown.headers.get('retry-after')).toBe('5');
    expect(await r.idpDown.json()).toMatchObject({ status: 503, code: 'ERR_IDP_UNAVAILABLE', retryable: true });
  });
});
