import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityProviderUnavailableError, TokenExchangeError } from './errors.ts';
import { createTokenExchanger } from './token-exchange.ts';

const PROXY = 'http://127.0.0.1:8080';
const NETWORK = 'http://127.0.0.1:8101/mcp';
const ITSM = 'http://127.0.0.1:8102/mcp';
let idp: RunningIdentityProvider;

const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

beforeAll(async () => {
  idp = await startIdentityProvider({ port: 0, resourceServers: SEED_RESOURCE_SERVERS, accessTokenTtlSeconds: 120 });
});
afterAll(async () => {
  await idp?.stop();
});

describe('RFC 8693 token exchange at the dev IdP', () => {
  it('keeps the caller as subject, sets the target audience and the proxy as actor', async () => {
    const ex = createTokenExchanger({ issuer: idp.issuer, clientId: 'rest-proxy', clientSecret: 'rest-proxy-dev-secret' });
    const user = await idp.issueToken({ user: 'nina', audience: PROXY });
    const t = await ex.exchange(user, NETWORK);
    expect(t).not.toBe(user);
    expect(claims(t)).toMatchObject({ sub: 'nina', aud: NETWORK, client_id: 'rest-proxy', act: { sub: 'rest-proxy' }, groups: ['network-engineers'] });
  });

  it('can also request a scope per audience (Keycloak selects audiences by client scope); the IdP grants what the subject had', async () => {
    const ex = createTokenExchanger({ issuer: idp.issuer, clientId: 'rest-proxy', clientSecret: 'rest-proxy-dev-secret', scopeFor: (a) => (a === NETWORK ? 'mcp:tools' : undefined) });
    const t = await ex.exchange(await idp.issueToken({ user: 'nina', audience: PROXY }), NETWORK);
    expect(claims(t)).toMatchObject({ sub: 'nina', aud: NETWORK, scope: 'mcp:tools' });
  });

  it('reuses a token per (subject token, audience) until shortly before it expires', async () => {
    let now = Date.now();
    const ex = createTokenExchanger({ issuer: idp.issuer, clientId: 'rest-proxy', clientSecret: 'rest-proxy-dev-secret', earlyExpirySeconds: 30, now: () => now });
    const user = await idp.issueToken({ user: 'sam', audience: PROXY });
    const [a, b] = await Promise.all([ex.exchange(user, NETWORK), ex.exchange(user, NETWORK)]);
    expect(a).toBe(b);
    expect(ex.exchanges).toBe(1);
    await ex.exchange(user, ITSM);
    expect(ex.exchanges).toBe(2);
    now += 89_000; // 120 s lifetime − 30 s early expiry = 90 s of reuse
    await ex.exchange(user, NETWORK);
    expect(ex.exchanges).toBe(2);
    now += 2_000;
    await ex.exchange(user, NETWORK);
    expect(ex.exchanges).toBe(3);
  });

  it('a subject token the IdP refuses is ERR_TOKEN_EXCHANGE naming the audience, never the token; an unreachable IdP ERR_IDP_UNAVAILABLE', async () => {
    const ex = createTokenExchanger({ issuer: idp.issuer, clientId: 'rest-proxy', clientSecret: 'rest-proxy-dev-secret' });
    const forNetwork = await idp.issueToken({ user: 'nina', audience: NETWORK }); // not a token for the proxy
    const refused = (await ex.exchange(forNetwork, ITSM).catch((e: unknown) => e)) as TokenExchangeError;
    expect(refused).toBeInstanceOf(TokenExchangeError);
    expect(refused).toMatchObject({ code: 'ERR_TOKEN_EXCHANGE', audience: ITSM });
    expect(refused.message).not.toContain(forNetwork);
    const wrongSecret = createTokenExchanger({ issuer: idp.issuer, clientId: 'rest-proxy', clientSecret: 'nope' });
    await expect(wrongSecret.exchange(await idp.issueToken({ user: 'nina', audience: PROXY }), ITSM)).rejects.toBeInstanceOf(TokenExchangeError);
    const down = createTokenExchanger({ issuer: 'http://127.0.0.1:9', clientId: 'rest-proxy', clientSecret: 'x', timeoutSeconds: 1 });
    await expect(down.exchange('a.b.c', ITSM)).rejects.toBeInstanceOf(IdentityProviderUnavailableError);
  });
});
