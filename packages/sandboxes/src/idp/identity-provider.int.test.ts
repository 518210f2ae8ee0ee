import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PASSWORD_GRANT, SEED_USERS, TOKEN_EXCHANGE_GRANT, devOtp, startIdentityProvider, type RunningIdentityProvider } from './index.ts';

const NETWORK = 'http://127.0.0.1:8101/mcp';
const REDIRECT = 'http://127.0.0.1:33418/callback';

let idp: RunningIdentityProvider;

beforeAll(async () => {
  idp = await startIdentityProvider({ port: 0, accessTokenTtlSeconds: 600 });
});
afterAll(async () => {
  await idp.stop();
});

async function token(body: Record<string, string>, basic?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${idp.url}/token`, {
    method: 'POST',
    body: new URLSearchParams(body),
    ...(basic === undefined ? {} : { headers: { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

let lastError: string | undefined;

/** Drives the devInteractions login + consent pages like a browser, returning the authorization code (or undefined). */
async function authorizationCode(login: string, challenge: string, client: { clientId: string; redirect: string; resource: string } = { clientId: 'mcp-inspector', redirect: REDIRECT, resource: NETWORK }): Promise<string | undefined> {
  const jar = new Map<string, string>();
  const request = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      jar.set(k!, v ?? '');
    }
    return res;
  };
  const params = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: client.redirect,
    scope: 'openid mcp:tools',
    resource: client.resource,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  let res = await request(`${idp.url}/auth?${params}`);
  for (let step = 0; step < 8; step++) {
    const location = res.headers.get('location');
    if (location === null) return undefined;
    const next = new URL(location, idp.url);
    if (next.href.startsWith(client.redirect)) {
      lastError = next.searchParams.get('error') ?? undefined;
      return next.searchParams.get('code') ?? undefined;
    }
    if (next.pathname.startsWith('/interaction/')) {
      const page = await (await request(next.href)).text();
      const isLogin = page.includes('name="login"');
      if (isLogin && step > 2) return undefined; // sent back to login: the account was refused
      const form: Record<string, string> = isLogin ? { prompt: 'login', login, password: 'ignored-by-dev-interactions' } : { prompt: 'consent' };
      res = await request(next.href, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    } else {
      res = await request(next.href);
    }
  }
  return undefined;
}

describe('development identity provider', () => {
  it('publishes discovery with the dev grant, token exchange, introspection and resource indicators', async () => {
    const doc = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc['issuer']).toBe(idp.issuer);
    expect(doc['jwks_uri']).toBe(`${idp.url}/jwks`);
    expect(doc['introspection_endpoint']).toBe(`${idp.url}/token/introspection`);
    expect(doc['grant_types_supported']).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials', DEV_PASSWORD_GRANT, TOKEN_EXCHANGE_GRANT]));
  });

  it('issues RS256 at+jwt access tokens bound to the requested resource with the platform claims', async () => {
    const value = await idp.issueToken({ user: 'nina', audience: NETWORK });
    expect(decodeProtectedHeader(value)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: idp.currentKid });
    const claims = decodeJwt(value);
    expect(claims).toMatchObject({ iss: idp.issuer, aud: NETWORK, sub: 'nina', groups: ['network-engineers'], scope: 'mcp:tools', client_id: 'mcp-dev-cli' });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(typeof claims.jti).toBe('string');
    const short = decodeJwt(await idp.issueToken({ user: 'eve', audience: NETWORK, ttlSeconds: 5 }));
    expect(short.exp! - short.iat!).toBe(5);
    expect(short['groups']).toEqual([]);
  });

  it('issues tokens at both authentication levels: password only (acr pwd) and with the one-time code (acr mfa)', async () => {
    const before = Math.floor(Date.now() / 1000);
    const pwd = decodeJwt(await idp.issueToken({ user: 'alice', audience: NETWORK }));
    expect(pwd).toMatchObject({ acr: 'pwd', amr: ['pwd'] });
    expect(pwd['auth_time']).toBeGreaterThanOrEqual(before);
    const mfa = decodeJwt(await idp.issueToken({ user: 'alice', audience: NETWORK, acr: 'mfa' }));
    expect(mfa).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'], sub: 'alice' });
    expect(mfa['auth_time']).toBeGreaterThanOrEqual(before);
  });

  it("refuses a wrong, malformed or other user's one-time code (no silent downgrade to pwd)", async () => {
    const alice = SEED_USERS.find((u) => u.username === 'alice')!;
    const nina = SEED_USERS.find((u) => u.username === 'nina')!;
    const base = { grant_type: DEV_PASSWORD_GRANT, client_id: 'mcp-dev-cli', username: 'alice', password: alice.devPassword, resource: NETWORK };
    const right = devOtp(alice.devOtpSecret);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (const otp of [wrong, '12345', '1234567', 'abcdef', devOtp(nina.devOtpSecret), devOtp(alice.devOtpSecret, Date.now() - 10 * 60_000)]) {
      if (otp === right) continue;
      const r = await token({ ...base, otp });
      expect(r.status, otp).toBe(400);
      expect(r.json['error'], otp).toBe('invalid_grant');
    }
    // An empty parameter is no parameter (oidc-provider drops it): a password-level token, never mfa.
    const empty = await token({ ...base, otp: '' });
    expect(decodeJwt(empty.json['access_token'] as string)['acr']).toBe('pwd');
    const ok = await token({ ...base, otp: right });
    expect(decodeJwt(ok.json['access_token'] as string)['acr']).toBe('mfa');
  });

  it('refuses a one-time code used once already (replay) within its validity, also when two requests race with it', async () => {
    const dave = SEED_USERS.find((u) => u.username === 'dave')!;
    const base = { grant_type: DEV_PASSWORD_GRANT, client_id: 'mcp-dev-cli', username: 'dave', password: dave.devPassword, resource: NETWORK };
    const code = devOtp(dave.devOtpSecret);
    const first = await token({ ...base, otp: code });
    expect(decodeJwt(first.json['access_token'] as string)).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'] });
    const again = await token({ ...base, otp: code });
    expect(again.status).toBe(400);
    // (oidc-provider does not echo why a grant failed: the same code that was right a moment ago is refused.)
    expect(again.json['error']).toBe('invalid_grant');
    // Two requests racing with one fresh code (the next step's, valid now): exactly one gets a token.
    const next = devOtp(dave.devOtpSecret, Date.now() + 30_000);
    const raced = await Promise.all([token({ ...base, otp: next }), token({ ...base, otp: next })]);
    expect(raced.map((r) => r.status).sort()).toEqual([200, 400]);
    // The code is spent for dave only: another user's own code is untouched.
    const sam = SEED_USERS.find((u) => u.username === 'sam')!;
    expect((await token({ ...base, username: 'sam', password: sam.devPassword, otp: devOtp(sam.devOtpSecret) })).status).toBe(200);
  });

  it("issueToken with acr mfa does not spend the user's code (the IdP's own request), and a forged issue key is refused", async () => {
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => idp.issueToken({ user: 'carol', audience: NETWORK, acr: 'mfa' })));
    for (const t of tokens) expect(decodeJwt(t)).toMatchObject({ acr: 'mfa', sub: 'carol' });
    const carol = SEED_USERS.find((u) => u.username === 'carol')!;
    const base = { grant_type: DEV_PASSWORD_GRANT, client_id: 'mcp-dev-cli', username: 'carol', password: carol.devPassword, resource: NETWORK, otp: devOtp(carol.devOtpSecret) };
    // A client guessing the key gets nothing; the code is still carol's to use once.
    expect((await token({ ...base, dev_issue_key: 'guessed' })).status).toBe(400);
    expect((await token(base)).status).toBe(200);
    expect((await token(base)).status).toBe(400);
  });

  it('token exchange keeps the caller\'s authentication (acr, amr, auth_time) in the delegated token', async () => {
    const subject = await idp.issueToken({ user: 'alice', audience: 'http://127.0.0.1:8080', acr: 'mfa' });
    const r = await token(
      { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', resource: NETWORK, scope: 'mcp:tools' },
      'rest-proxy:rest-proxy-dev-secret',
    );
    expect(r.status).toBe(200);
    const original = decodeJwt(subject);
    expect(decodeJwt(r.json['access_token'] as string)).toMatchObject({ sub: 'alice', aud: NETWORK, act: { sub: 'rest-proxy' }, acr: 'mfa', amr: ['pwd', 'otp'], auth_time: original['auth_time'] });
  });

  it('refuses a wrong dev password, an unknown resource and an unknown user', async () => {
    const base = { grant_type: DEV_PASSWORD_GRANT, client_id: 'mcp-dev-cli', username: 'alice', resource: NETWORK };
    expect((await token({ ...base, password: 'wrong' })).json['error']).toBe('invalid_grant');
    expect((await token({ ...base, password: 'alice-dev-password', resource: 'http://127.0.0.1:9999/other' })).json['error']).toBe('invalid_target');
    await expect(idp.issueToken({ user: 'mallory', audience: NETWORK })).rejects.toThrow(TypeError);
  });

  it('issues client-credentials tokens to agent-x only with its secret', async () => {
    const ok = await token({ grant_type: 'client_credentials', resource: NETWORK, scope: 'mcp:tools' }, 'agent-x:agent-x-dev-secret');
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.json['access_token'] as string)).toMatchObject({ sub: 'agent-x', client_id: 'agent-x', groups: ['network-engineers'], aud: NETWORK });
    const bad = await token({ grant_type: 'client_credentials', resource: NETWORK }, 'agent-x:wrong');
    expect(bad.json['error']).toBe('invalid_client');
    const publicClient = await token({ grant_type: 'client_credentials', client_id: 'mcp-dev-cli', resource: NETWORK });
    expect(publicClient.status).toBe(400);
  });

  it('runs authorization code + PKCE for the public MCP client, for seeded users only', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = await authorizationCode('nina', challenge);
    expect(code).toBeTypeOf('string');
    const res = await token({ grant_type: 'authorization_code', client_id: 'mcp-inspector', code: code!, redirect_uri: REDIRECT, code_verifier: verifier, resource: NETWORK });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.json['access_token'] as string)).toMatchObject({ sub: 'nina', aud: NETWORK, client_id: 'mcp-inspector', groups: ['network-engineers'] });
    expect(await authorizationCode('mallory', challenge)).toBeUndefined();
    expect(lastError).toBe('access_denied');
  });

  it('lets an MCP client register itself (RFC 7591) as a public PKCE client and log a user in for the gateway', async () => {
    const doc = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc['registration_endpoint']).toBe(`${idp.url}/reg`);
    const redirect = 'http://127.0.0.1:33419/oauth/callback';
    // What VS Code / the MCP Inspector send.
    const res = await fetch(doc['registration_endpoint'] as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Visual Studio Code', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', software_id: 'vscode' }),
    });
    expect(res.status).toBe(201);
    const registered = (await res.json()) as Record<string, unknown>;
    expect(registered).toMatchObject({ token_endpoint_auth_method: 'none', redirect_uris: [redirect], software_id: 'vscode' });
    expect(registered['client_secret']).toBeUndefined();
    const clientId = registered['client_id'] as string;
    const gateway = 'http://127.0.0.1:8100/mcp';
    const verifier = randomBytes(32).toString('base64url');
    const code = await authorizationCode('sam', createHash('sha256').update(verifier).digest('base64url'), { clientId, redirect, resource: gateway });
    expect(code).toBeTypeOf('string');
    const tok = await token({ grant_type: 'authorization_code', client_id: clientId, code: code!, redirect_uri: redirect, code_verifier: verifier, resource: gateway });
    expect(tok.status).toBe(200);
    expect(decodeJwt(tok.json['access_token'] as string)).toMatchObject({ sub: 'sam', aud: gateway, client_id: clientId, groups: ['service-desk'] });
  });

  it('refuses to register confidential clients, non-interactive grants and non-loopback http redirects', async () => {
    const register = (body: Record<string, unknown>) =>
      fetch(`${idp.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'], response_types: ['code'], token_endpoint_auth_method: 'none', ...body }) });
    for (const [body, error] of [
      [{ token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata'],
      [{ grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }, 'invalid_client_metadata'],
      [{ grant_types: ['authorization_code', TOKEN_EXCHANGE_GRANT] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['http://evil.example.com/cb'] }, 'invalid_redirect_uri'],
    ] as const) {
      const res = await register(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error, JSON.stringify(body)).toBe(error);
    }
  });

  it('rotates the signing key on the same port, keeping exactly one previous key in the JWKS', async () => {
    const first = idp.currentKid;
    await idp.rotateKeys();
    const second = idp.currentKid;
    await idp.rotateKeys();
    const third = idp.currentKid;
    expect(new Set([first, second, third]).size).toBe(3);
    const { keys } = (await (await fetch(`${idp.url}/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> };
    expect(keys.map((k) => k.kid)).toEqual([third, second]);
    expect(keys.every((k) => k.d === undefined)).toBe(true);
    expect(decodeProtectedHeader(await idp.issueToken({ user: 'sam', audience: NETWORK })).kid).toBe(third);
  });
});
