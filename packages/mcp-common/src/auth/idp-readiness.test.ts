// The verifier's readiness probe against an identity provider that goes down and comes back. The issuer is a
// test double serving discovery + JWKS (like token-verifier.test.ts) that can refuse every connection, and
// counts what it is asked; the probe must ask the IdP itself, not trust the cached key set.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authFailureReason, createTokenVerifier, type TokenVerifierOptions } from './index.ts';

const AUDIENCE = 'http://127.0.0.1:8101/mcp';
let issuer: string;
let server: Server;
let token: string;
let down: false | 'refusing' | 'hung' = false;
const asked = { discovery: 0, jwks: 0 };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = createServer((req, res) => {
    // Down: the connection is dropped without an answer, as by a dead IdP or a broken network path.
    // Hung: the request is taken and never answered.
    if (down === 'refusing') return void req.socket.destroy();
    if (down === 'hung') return;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      asked.discovery++;
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      asked.jwks++;
      res.end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nowS = Math.floor(Date.now() / 1000);
  token = await new SignJWT({ sub: 'nina', scope: 'mcp:tools', iss: issuer, aud: AUDIENCE, iat: nowS, exp: nowS + 600 })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .sign(pair.privateKey);
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  down = false;
  asked.discovery = 0;
  asked.jwks = 0;
});

/** A verifier on a clock the test moves (the probe's answer is reused for `readinessCacheMs` of it). */
function verifierWithClock(overrides: Partial<TokenVerifierOptions> = {}) {
  let nowMs = Date.now();
  const verifier = createTokenVerifier({ issuer, audience: AUDIENCE, discoveryTimeoutMs: 1000, readinessCacheMs: 5000, now: () => nowMs, ...overrides });
  return { verifier, advance: (ms: number) => (nowMs += ms) };
}

describe('identity provider readiness', () => {
  it('asks the IdP itself: a fresh cached key set does not hide an outage, and verification goes on from it (degraded)', async () => {
    const { verifier, advance } = verifierWithClock();
    expect(await verifier.ready()).toBe(true);

    down = 'refusing';
    advance(5000);
    // The key set was fetched a moment ago (fresh for 10 minutes), but the IdP does not answer.
    expect(await verifier.ready()).toBe('degraded');
    // Tokens signed with the held keys still verify during the outage.
    await expect(verifier.verifyAccessToken(token)).resolves.toMatchObject({ clientId: '' });

    down = false;
    advance(5000);
    expect(await verifier.ready()).toBe(true);
  });

  it('reads a hung IdP as degraded within readinessTimeoutMs while keys are held', async () => {
    const { verifier, advance } = verifierWithClock({ readinessTimeoutMs: 200 });
    expect(await verifier.ready()).toBe(true);
    down = 'hung';
    advance(5000);
    expect(await verifier.ready()).toBe('degraded');
    await expect(verifier.verifyAccessToken(token)).resolves.toBeDefined();
  });

  it('is down (false), not degraded, when no key set was ever held', async () => {
    down = 'refusing';
    const { verifier } = verifierWithClock();
    expect(await verifier.ready()).toBe(false);
    const err = await verifier.verifyAccessToken(token).then(() => undefined, (e: unknown) => e);
    expect(authFailureReason(err)).toBe('ERR_IDP_UNAVAILABLE');
  });

  it('asks the IdP at most once per readinessCacheMs, however many probes arrive', async () => {
    const { verifier, advance } = verifierWithClock();
    expect(await verifier.ready()).toBe(true);
    const afterFirst = { ...asked };

    // A flood of concurrent and repeated probes within the window: answered from the last answer.
    const answers = await Promise.all(Array.from({ length: 50 }, () => verifier.ready()));
    advance(4999);
    answers.push(await verifier.ready());
    expect(answers.every((a) => a === true)).toBe(true);
    expect(asked).toEqual(afterFirst);

    // Past the window, concurrent probes share one request to the IdP.
    advance(1);
    await Promise.all(Array.from({ length: 20 }, () => verifier.ready()));
    expect(asked).toEqual({ discovery: afterFirst.discovery, jwks: afterFirst.jwks + 1 });

    // An outage is seen at the next window, not before: the answer is cached for the window either way.
    down = 'refusing';
    expect(await verifier.ready()).toBe(true);
    advance(5000);
    expect(await verifier.ready()).toBe('degraded');
  });

  it('reports an IdP whose key set answers 503 as not answering', async () => {
    let brokenIssuer = '';
    const broken = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: brokenIssuer, jwks_uri: `${brokenIssuer}/jwks` }));
      else res.writeHead(503).end('{"error":"temporarily_unavailable"}');
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    brokenIssuer = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    try {
      const verifier = createTokenVerifier({ issuer: brokenIssuer, audience: AUDIENCE, discoveryTimeoutMs: 1000 });
      expect(await verifier.ready()).toBe(false);
    } finally {
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });

  it('refuses a negative readinessCacheMs and a zero readinessTimeoutMs with a TypeError', () => {
    expect(() => createTokenVerifier({ issuer, audience: AUDIENCE, readinessCacheMs: -1 })).toThrow(TypeError);
    expect(() => createTokenVerifier({ issuer, audience: AUDIENCE, readinessTimeoutMs: 0 })).toThrow(TypeError);
  });
});
