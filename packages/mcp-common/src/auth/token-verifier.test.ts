// Claim-by-claim checks of the verifier with locally generated keys. The issuer here is a test double
// that serves only the two documents a resource server reads (discovery + JWKS); the end-to-end
// behaviour against the real identity provider lives in auth.int.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { OAuthError } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFailureReason, createTokenVerifier, principalFromAuthInfo, TokenError, type TokenVerifierOptions } from './index.ts';

const AUDIENCE = 'http://127.0.0.1:8101/mcp';
let issuer: string;
let server: Server;
let privateKey: CryptoKeyLike;
let jwksRequests = 0;
type CryptoKeyLike = Parameters<SignJWT['sign']>[0];

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/jwks') {
      jwksRequests++;
      res.end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const NOW_S = 1_800_000_000;
const clock = (): number => NOW_S * 1000;

function sign(claims: JWTPayload): Promise<string> {
  return new SignJWT({ sub: 'nina', scope: 'mcp:tools', client_id: 'cli', iss: issuer, aud: AUDIENCE, iat: NOW_S - 10, exp: NOW_S + 300, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
    .sign(privateKey);
}

function verifier(overrides: Partial<TokenVerifierOptions> = {}) {
  return createTokenVerifier({ issuer, audience: AUDIENCE, now: clock, ...overrides });
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  return authFailureReason(err);
}

describe('createTokenVerifier', () => {
  it('returns AuthInfo with resource, expiry, scopes, client and principal', async () => {
    const token = await sign({ scope: 'mcp:tools mcp:admin', groups: ['admin'] });
    const info = await verifier({ requiredScopes: ['mcp:tools'] }).verifyAccessToken(token);
    expect(info).toMatchObject({ token, clientId: 'cli', scopes: ['mcp:tools', 'mcp:admin'], expiresAt: NOW_S + 300 });
    expect(info.resource?.href).toBe(AUDIENCE);
    expect(principalFromAuthInfo(info)).toEqual({ id: 'nina', groups: ['admin'], scopes: ['mcp:tools', 'mcp:admin'], clientId: 'cli' });
  });

  it.each([
    ['a wrong issuer', { iss: 'http://127.0.0.1:1/other' }, 'ERR_TOKEN_ISSUER'],
    ['a wrong audience', { aud: 'http://127.0.0.1:8102/mcp' }, 'ERR_TOKEN_AUDIENCE'],
    ['an expiry past the skew', { exp: NOW_S - 31 }, 'ERR_TOKEN_EXPIRED'],
    ['nbf in the future past the skew', { nbf: NOW_S + 31 }, 'ERR_TOKEN_NOT_YET_VALID'],
    ['iat in the future past the skew', { iat: NOW_S + 31 }, 'ERR_TOKEN_NOT_YET_VALID'],
    ['no exp', { exp: undefined }, 'ERR_TOKEN_INVALID'],
  ] as const)('rejects %s', async (_name, claims, reason) => {
    expect(await reasonOf(verifier().verifyAccessToken(await sign(claims)))).toBe(reason);
  });

  it('tolerates exp and nbf within the clock skew', async () => {
    await expect(verifier().verifyAccessToken(await sign({ exp: NOW_S - 20, nbf: NOW_S + 20 }))).resolves.toBeDefined();
    expect(await reasonOf(verifier({ clockSkewSeconds: 0 }).verifyAccessToken(await sign({ exp: NOW_S - 20 })))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('rejects an algorithm outside the allow-list before fetching keys', async () => {
    expect(await reasonOf(verifier({ algorithms: ['RS256'] }).verifyAccessToken(await sign({})))).toBe('ERR_TOKEN_ALGORITHM');
  });

  it('maps a missing scope to insufficient_scope, not invalid_token', async () => {
    const err = await verifier({ requiredScopes: ['mcp:admin'] }).verifyAccessToken(await sign({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).code).toBe('insufficient_scope');
    expect(authFailureReason(err)).toBe('ERR_INSUFFICIENT_SCOPE');
  });

  it('reads groups from a dot path and scopes from an Entra-style scp claim', async () => {
    const token = await sign({ scope: undefined, scp: 'mcp:tools', realm_access: { roles: ['network-engineers'] }, client_id: undefined, azp: 'vscode' });
    const info = await verifier({ groupsClaim: 'realm_access.roles' }).verifyAccessToken(token);
    expect(principalFromAuthInfo(info)).toEqual({ id: 'nina', groups: ['network-engineers'], scopes: ['mcp:tools'], clientId: 'vscode' });
  });

  it('caches a verified token until its expiry, without a second key lookup', async () => {
    let nowMs = clock();
    const v = verifier({ now: () => nowMs });
    const token = await sign({ exp: NOW_S + 60 });
    await v.verifyAccessToken(token);
    const fetched = jwksRequests;
    await v.verifyAccessToken(token);
    expect(jwksRequests).toBe(fetched);
    nowMs = (NOW_S + 91) * 1000; // past exp + skew: the cache entry is gone and the token is expired
    expect(await reasonOf(v.verifyAccessToken(token))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('refuses misconfiguration with a TypeError', () => {
    expect(() => verifier({ algorithms: ['HS256'] })).toThrow(TypeError);
    expect(() => verifier({ algorithms: ['none'] })).toThrow(TypeError);
    expect(() => createTokenVerifier({ issuer: 'http://idp.example.com', audience: AUDIENCE })).toThrow(TypeError);
    expect(() => createTokenVerifier({ issuer, audience: '' })).toThrow(TypeError);
    expect(() => verifier({ cacheMaxEntries: -1 })).toThrow(TypeError);
  });

  it('principalFromAuthInfo fails closed without a verified principal', () => {
    expect(() => principalFromAuthInfo(undefined)).toThrow(TokenError);
    expect(() => principalFromAuthInfo({ token: 't', clientId: 'c', scopes: [] })).toThrow(TokenError);
  });
});
