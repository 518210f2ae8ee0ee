import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthRouter, IdentityProviderUnavailableError, type AuthFailureReason } from './index.ts';

// Any SDK verifier may sit behind the middleware: its failures are classified by type and
// OAuth error code, never by message text (these messages are chosen to mislead a text matcher).
const RESOURCE = 'http://127.0.0.1:8101/mcp';
const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))));

async function surface(verifyAccessToken: (token: string) => Promise<AuthInfo>) {
  const failures: AuthFailureReason[] = [];
  const verifier: OAuthTokenVerifier = { verifyAccessToken };
  const { requireAuth } = createAuthRouter({ verifier, resourceUrl: RESOURCE, authorizationServers: ['http://127.0.0.1:9400'], requiredScopes: ['mcp:tools'], onAuthFailure: (r) => failures.push(r) });
  const app = express().get('/mcp', requireAuth, (_req, res) => res.json({ ok: true }));
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const res = await fetch(url, { headers: { authorization: 'Bearer abc.def.ghi' } });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), failures };
}

describe('requireAuth classifies a verifier failure by type', () => {
  it.each([
    ['a bare insufficient_scope OAuthError', () => new OAuthError(OAuthErrorCode.InsufficientScope, 'token expired'), 403, 'ERR_INSUFFICIENT_SCOPE'],
    ['a bare server_error OAuthError', () => new OAuthError(OAuthErrorCode.ServerError, 'insufficient scope'), 503, 'ERR_IDP_UNAVAILABLE'],
    ['a typed error two causes deep', () => new Error('resource mismatch', { cause: new Error('x', { cause: new IdentityProviderUnavailableError() }) }), 503, 'ERR_IDP_UNAVAILABLE'],
    ['an unknown error', () => new Error('expired resource'), 401, 'ERR_TOKEN_INVALID'],
  ] as const)('%s', async (_name, make, status, reason) => {
    const r = await surface(() => Promise.reject(make()));
    expect(r.status).toBe(status);
    expect(r.failures).toEqual([reason]);
  });

  it('re-checks scopes, expiry and resource on what a foreign verifier accepted', async () => {
    const base = { token: 't', clientId: 'c', scopes: ['mcp:tools'], expiresAt: Math.floor(Date.now() / 1000) + 60, resource: new URL(RESOURCE) };
    expect((await surface(async () => base)).status).toBe(200);
    expect((await surface(async () => ({ ...base, scopes: [] }))).failures).toEqual(['ERR_INSUFFICIENT_SCOPE']);
    expect((await surface(async () => ({ ...base, expiresAt: 1 }))).failures).toEqual(['ERR_TOKEN_EXPIRED']);
    const { expiresAt: _drop, ...noExpiry } = base;
    expect((await surface(async () => noExpiry)).failures).toEqual(['ERR_TOKEN_INVALID']);
  });
});
