// Resource-server auth against the real local identity provider (oidc-provider) and a real Express app.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { MemoryLogger } from '@mcp-platform/test-support';
import { createAuthRouter, createTokenVerifier, principalFromAuthInfo, type AuthFailureReason, type TokenVerifierOptions } from './index.ts';

const NETWORK = 'http://127.0.0.1:8101/mcp';
const ITSM = 'http://127.0.0.1:8102/mcp';
const REST_PROXY = 'http://127.0.0.1:8080';
const OPAQUE = 'http://127.0.0.1:8199/mcp';

interface TestApp {
  url: string;
  failures: AuthFailureReason[];
  logger: MemoryLogger;
  call(token?: string): Promise<{ status: number; challenge: string | null; body: Record<string, unknown> }>;
}

let idp: RunningIdentityProvider;
const servers: Server[] = [];

async function listen(app: express.Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startApp(overrides: Partial<TokenVerifierOptions> = {}): Promise<TestApp> {
  const logger = new MemoryLogger();
  const verifier = createTokenVerifier({
    issuer: idp.issuer,
    audience: NETWORK,
    requiredScopes: ['mcp:tools'],
    jwksRefreshMinIntervalMs: 0,
    logger,
    ...overrides,
  });
  const failures: AuthFailureReason[] = [];
  const resourceUrl = overrides.audience ?? NETWORK;
  const { metadataRouter, requireAuth } = createAuthRouter({
    verifier,
    resourceUrl,
    authorizationServers: [idp.issuer],
    scopesSupported: ['mcp:tools', 'mcp:admin'],
    resourceName: 'mcp-network',
    onAuthFailure: (reason) => failures.push(reason),
  });
  const app = express();
  app.use(metadataRouter);
  app.get('/mcp', requireAuth, (req, res) => {
    res.json({ principal: principalFromAuthInfo(req.auth), resource: req.auth?.resource?.href });
  });
  const url = await listen(app);
  return {
    url,
    failures,
    logger,
    async call(token) {
      const res = await fetch(`${url}/mcp`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> };
    },
  };
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function idpPublicJwk(): Promise<JWK> {
  const { keys } = (await (await fetch(`${idp.url}/jwks`)).json()) as { keys: JWK[] };
  return keys.find((k) => k.kid === idp.currentKid)!;
}

beforeAll(async () => {
  idp = await startIdentityProvider({
    port: 0,
    resourceServers: [...SEED_RESOURCE_SERVERS, { url: OPAQUE, name: 'opaque-test', accessTokenFormat: 'opaque' }],
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await idp.stop();
});

describe('valid tokens', () => {
  it('accepts a user token and exposes the principal', async () => {
    const app = await startApp();
    const token = await idp.issueToken({ user: 'nina', audience: NETWORK });
    const res = await app.call(token);
    expect(res.status).toBe(200);
    expect(res.body['principal']).toEqual({ id: 'nina', groups: ['network-engineers'], scopes: ['mcp:tools'], clientId: 'mcp-dev-cli', authentication: { acr: 'pwd', amr: ['pwd'], authTime: expect.any(Number) as number } });
    expect(res.body['resource']).toBe(NETWORK);
    expect(app.failures).toEqual([]);
  });

  it('accepts a client-credentials token of an agent with its own groups', async () => {
    const app = await startApp();
    const res = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('agent-x:agent-x-dev-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: NETWORK, scope: 'mcp:tools' }),
    });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const answer = await app.call(token);
    expect(answer.status).toBe(200);
    expect(answer.body['principal']).toEqual({ id: 'agent-x', groups: ['network-engineers'], scopes: ['mcp:tools'], clientId: 'agent-x' });
  });

  it('accepts a token-exchanged token: the user stays sub, the proxy is the actor and client', async () => {
    const app = await startApp();
    const userToken = await idp.issueToken({ user: 'sam', audience: REST_PROXY });
    const res = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('rest-proxy:rest-proxy-dev-secret').toString('base64')}` },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: userToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        resource: NETWORK,
      }),
    });
    expect(res.status).toBe(200);
    const { access_token: token, issued_token_type: issued } = (await res.json()) as { access_token: string; issued_token_type: string };
    expect(issued).toBe('urn:ietf:params:oauth:token-type:access_token');
    expect(decodeJwt(token)['act']).toEqual({ sub: 'rest-proxy' });
    const answer = await app.call(token);
    expect(answer.status).toBe(200);
    expect(answer.body['principal']).toEqual({ id: 'sam', groups: ['service-desk'], scopes: ['mcp:tools'], clientId: 'rest-proxy', actorId: 'rest-proxy', authentication: { acr: 'pwd', amr: ['pwd'], authTime: expect.any(Number) as number } });
    // The proxy's own resource is not a valid target, and a token for another audience cannot be exchanged.
    const refused = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('rest-proxy:rest-proxy-dev-secret').toString('base64')}` },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: await idp.issueToken({ user: 'sam', audience: ITSM }),
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        resource: NETWORK,
      }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('reads groups from a Keycloak-style realm_access.roles claim path', async () => {
    const app = await startApp({ groupsClaim: 'realm_access.roles' });
    const res = await app.call(await idp.issueToken({ user: 'alice', audience: NETWORK }));
    expect(res.status).toBe(200);
    expect((res.body['principal'] as { groups: string[] }).groups).toEqual(['admin']);
  });

  it('keeps accepting new tokens after the IdP rotates its signing key, without a verifier restart', async () => {
    const app = await startApp();
    const before = await idp.issueToken({ user: 'dave', audience: NETWORK });
    expect((await app.call(before)).status).toBe(200);
    const oldKid = idp.currentKid;
    await idp.rotateKeys();
    const after = await idp.issueToken({ user: 'dave', audience: NETWORK, scopes: ['mcp:tools', 'mcp:admin'] });
    expect(decodeProtectedHeader(after).kid).not.toBe(oldKid);
    expect((await app.call(after)).status).toBe(200);
    // The previous key stays published, so tokens issued before the rotation still verify.
    const fresh = await startApp();
    expect((await fresh.call(before)).status).toBe(200);
  });
});

describe('rejected tokens', () => {
  it('answers a missing token with 401 and a challenge that names no error (RFC 6750 §3.1) but points at the resource metadata', async () => {
    const app = await startApp();
    const res = await app.call();
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(/^Bearer /);
    expect(res.challenge).not.toContain('error=');
    expect(res.challenge).toContain(`resource_metadata="http://127.0.0.1:8101/.well-known/oauth-protected-resource/mcp"`);
    expect(app.failures).toEqual(['ERR_TOKEN_MISSING']);
  });

  it('answers a header that is not a bearer token with 401 invalid_request', async () => {
    const app = await startApp();
    for (const authorization of ['Basic bmluYTpwdw==', 'Bearer', 'Bearer a b', 'Bearer \u00e9t\u00e9']) {
      const res = await fetch(`${app.url}/mcp`, { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
    }
    expect(app.failures).toEqual(['ERR_TOKEN_INVALID', 'ERR_TOKEN_INVALID', 'ERR_TOKEN_INVALID', 'ERR_TOKEN_INVALID']);
  });

  const cases: Array<[string, AuthFailureReason, () => Promise<{ token: string; overrides?: Partial<TokenVerifierOptions> }>]> = [
    ['expired', 'ERR_TOKEN_EXPIRED', async () => ({
      token: await idp.issueToken({ user: 'nina', audience: NETWORK, ttlSeconds: 60 }),
      overrides: { now: () => Date.now() + 120_000 },
    })],
    ['not yet valid (issued in the future of the verifier clock)', 'ERR_TOKEN_NOT_YET_VALID', async () => ({
      token: await idp.issueToken({ user: 'nina', audience: NETWORK }),
      overrides: { now: () => Date.now() - 300_000 },
    })],
    ['for another resource (wrong audience)', 'ERR_TOKEN_AUDIENCE', async () => ({ token: await idp.issueToken({ user: 'nina', audience: ITSM }) })],
    ['with a tampered payload', 'ERR_TOKEN_SIGNATURE', async () => {
      const [h, p, s] = (await idp.issueToken({ user: 'eve', audience: NETWORK })).split('.');
      const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'alice', groups: ['admin'] };
      return { token: `${h}.${b64url(payload)}.${s}` };
    }],
    ['with alg none', 'ERR_TOKEN_ALGORITHM', async () => {
      const [, p] = (await idp.issueToken({ user: 'nina', audience: NETWORK })).split('.');
      return { token: `${b64url({ alg: 'none', typ: 'at+jwt', kid: idp.currentKid })}.${p}.` };
    }],
    ['HS256-signed with the IdP public key PEM as the secret', 'ERR_TOKEN_ALGORITHM', async () => {
      const payload = decodeJwt(await idp.issueToken({ user: 'nina', audience: NETWORK }));
      const pem = await exportSPKI((await importJWK(await idpPublicJwk(), 'RS256', { extractable: true })) as Parameters<typeof exportSPKI>[0]);
      const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: idp.currentKid }).sign(Buffer.from(pem));
      return { token };
    }],
    ['HS256-signed with the IdP public JWK bytes as the secret', 'ERR_TOKEN_ALGORITHM', async () => {
      const payload = decodeJwt(await idp.issueToken({ user: 'nina', audience: NETWORK }));
      const secret = Buffer.from(JSON.stringify(await idpPublicJwk()));
      return { token: await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: idp.currentKid }).sign(secret) };
    }],
    ['signed by an unknown key', 'ERR_TOKEN_KEY_UNKNOWN', async () => {
      const payload = decodeJwt(await idp.issueToken({ user: 'nina', audience: NETWORK }));
      const { privateKey } = await generateKeyPair('RS256');
      return { token: await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'attacker-key' }).sign(privateKey) };
    }],
    ['signed by a foreign key reusing the IdP kid', 'ERR_TOKEN_SIGNATURE', async () => {
      const payload = decodeJwt(await idp.issueToken({ user: 'nina', audience: NETWORK }));
      const { privateKey } = await generateKeyPair('RS256');
      return { token: await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: idp.currentKid }).sign(privateKey) };
    }],
    ['that is opaque while introspection is not configured', 'ERR_TOKEN_INVALID', async () => ({ token: 'not-a-jwt-at-all' })],
  ];

  it.each(cases)('answers a token %s with 401 invalid_token', async (_name, reason, make) => {
    const { token, overrides } = await make();
    const app = await startApp(overrides);
    const res = await app.call(token);
    expect(res.status).toBe(401);
    expect(res.body['error']).toBe('invalid_token');
    expect(res.challenge).toContain('error="invalid_token"');
    expect(res.challenge).toContain('resource_metadata=');
    expect(app.failures).toEqual([reason]);
    expect(app.logger.text()).not.toContain(token);
  });

  it('answers a token from another issuer with 401 invalid_token', async () => {
    const other = await startIdentityProvider({ port: 0 });
    try {
      const app = await startApp();
      const res = await app.call(await other.issueToken({ user: 'alice', audience: NETWORK }));
      expect(res.status).toBe(401);
      expect(res.challenge).toContain('error="invalid_token"');
      // Its keys are unknown to this issuer's JWKS, so the key check fails before the issuer check.
      expect(app.failures).toEqual(['ERR_TOKEN_KEY_UNKNOWN']);
    } finally {
      await other.stop();
    }
  });

  it('answers a token without a required scope with 403 insufficient_scope', async () => {
    const app = await startApp({ requiredScopes: ['mcp:tools', 'mcp:admin'] });
    const res = await app.call(await idp.issueToken({ user: 'nina', audience: NETWORK, scopes: ['mcp:tools'] }));
    expect(res.status).toBe(403);
    expect(res.body['error']).toBe('insufficient_scope');
    expect(res.challenge).toContain('error="insufficient_scope"');
    expect(res.challenge).toContain('scope="mcp:tools mcp:admin"');
    expect(app.failures).toEqual(['ERR_INSUFFICIENT_SCOPE']);
  });
});

describe('opaque tokens (RFC 7662 introspection)', () => {
  const introspection = { clientId: 'mcp-resource-server', clientSecret: 'mcp-resource-server-dev-secret' };

  it('accepts an active opaque token via the IdP introspection endpoint', async () => {
    const app = await startApp({ audience: OPAQUE, introspection });
    const token = await idp.issueToken({ user: 'nina', audience: OPAQUE });
    expect(token.split('.')).toHaveLength(1);
    const res = await app.call(token);
    expect(res.status).toBe(200);
    expect(res.body['principal']).toEqual({ id: 'nina', groups: ['network-engineers'], scopes: ['mcp:tools'], clientId: 'mcp-dev-cli', authentication: { acr: 'pwd', amr: ['pwd'], authTime: expect.any(Number) as number } });
  });

  it('refuses an unknown opaque token and an opaque token for another resource', async () => {
    const app = await startApp({ introspection });
    expect((await app.call('unknown-opaque-token-value')).status).toBe(401);
    expect((await app.call(await idp.issueToken({ user: 'nina', audience: OPAQUE }))).status).toBe(401);
    expect(app.failures).toEqual(['ERR_TOKEN_INVALID', 'ERR_TOKEN_AUDIENCE']);
  });
});

describe('protected resource metadata and readiness', () => {
  it('serves RFC 9728 metadata at the path-suffixed and the root well-known URL', async () => {
    const app = await startApp();
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: NETWORK,
        authorization_servers: [idp.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: ['mcp:tools', 'mcp:admin'],
        resource_name: 'mcp-network',
      });
    }
  });

  it('is ready when the JWKS is fetchable, and answers 503 (not a crash) when the IdP is down', async () => {
    const ready = createTokenVerifier({ issuer: idp.issuer, audience: NETWORK });
    expect(await ready.ready()).toBe(true);

    const down = await startIdentityProvider({ port: 0 });
    const token = await down.issueToken({ user: 'nina', audience: NETWORK });
    await down.stop();
    const saved = idp;
    idp = down; // point a fresh app at the stopped issuer
    try {
      const app = await startApp({ discoveryTimeoutMs: 1000 });
      const res = await fetch(`${app.url}/mcp`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(app.failures).toEqual(['ERR_IDP_UNAVAILABLE']);
      const verifier = createTokenVerifier({ issuer: down.issuer, audience: NETWORK, discoveryTimeoutMs: 1000 });
      expect(await verifier.ready()).toBe(false);
    } finally {
      idp = saved;
    }
  });

  it('reads an IdP outage as degraded while its keys are held: the IdP itself is asked, tokens never seen still verify', async () => {
    const own = await startIdentityProvider({ port: 0 });
    const verifier = createTokenVerifier({ issuer: own.issuer, audience: NETWORK, readinessCacheMs: 0 });
    const seen = await own.issueToken({ user: 'nina', audience: NETWORK });
    const unseen = await own.issueToken({ user: 'alice', audience: NETWORK });
    expect(await verifier.ready()).toBe(true);
    await verifier.verifyAccessToken(seen);
    await own.stop();
    // The key set is fresh (fetched a moment ago): the outage is visible anyway, as degraded.
    expect(await verifier.ready()).toBe('degraded');
    expect(principalFromAuthInfo(await verifier.verifyAccessToken(seen)).id).toBe('nina');
    expect(principalFromAuthInfo(await verifier.verifyAccessToken(unseen)).id).toBe('alice');
  });
});
