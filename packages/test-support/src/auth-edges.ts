import type { RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { expect } from 'vitest';

/** Options of {@link probeAuthEdges}. */
export interface AuthEdgeOptions {
  /** The IdP the surface trusts. It is STOPPED by the probe: call it last in a suite. */
  idp: RunningIdentityProvider;
  /** The surface's resource identifier (token audience). */
  audience: string;
  /** Sends one authenticated request to the surface with this `Authorization` value (or none). */
  send(authorization: string | undefined): Promise<Response>;
  /** The surface's `OIDC_JWKS_REFRESH_MIN_INTERVAL_MS`, in milliseconds. Default `200` (the harness setting). */
  jwksRefreshMinIntervalMs?: number;
}

/** What each edge answered. */
export interface AuthEdgeResponses {
  /** No `Authorization` header. */
  missing: Response;
  /** A valid token for the surface that lacks `mcp:tools`. */
  missingScope: Response;
  /** A valid token signed with a key the surface has not seen, while the IdP is unreachable. */
  idpDown: Response;
}

/**
 * Drives one surface (an MCP server, the REST proxy) through the auth edges
 * every surface must answer alike: no credentials, a missing scope, and the
 * IdP being unreachable (the IdP rotates its key, issues a token with the new
 * `kid`, and stops, so the surface must refetch the JWKS and cannot).
 *
 * @example
 * ```ts
 * const r = await probeAuthEdges({ idp: h.idp, audience: h.server.publicUrl, send: (auth) => fetch(url, { headers: auth ? { authorization: auth } : {} }) });
 * expect(r.idpDown.status).toBe(503);
 * ```
 */
export async function probeAuthEdges(options: AuthEdgeOptions): Promise<AuthEdgeResponses> {
  const { idp, audience, send } = options;
  const missing = await send(undefined);
  const missingScope = await send(`Bearer ${await idp.issueToken({ user: 'nina', audience, scopes: ['openid'] })}`);
  await idp.rotateKeys();
  const unseenKid = await idp.issueToken({ user: 'nina', audience });
  await idp.stop();
  // Past the unknown-kid cool-down, so the surface really tries the (now unreachable) JWKS.
  await new Promise((resolve) => setTimeout(resolve, (options.jwksRefreshMinIntervalMs ?? 200) + 50));
  const idpDown = await send(`Bearer ${unseenKid}`);
  return { missing, missingScope, idpDown };
}

/** The parts of a `SpineHarness` that {@link expectMcpAuthEdges} drives. */
export interface McpAuthEdgeSurface {
  idp: RunningIdentityProvider;
  server: { publicUrl: string };
  /** The server's ECS lines, parsed. */
  logs: Record<string, unknown>[];
}

/**
 * The auth edges of one MCP server, asserted the same way for every server: a `tools/list`
 * with no credentials gets `401` with a `resource_metadata` challenge naming no error (RFC 6750
 * §3.1); a token without `mcp:tools` gets `403 insufficient_scope` naming the scope; a token the
 * server cannot verify while the IdP is unreachable gets `503` with `Retry-After: 5` and
 * `temporarily_unavailable`; each failure is audited with its reason. Stops the IdP: call it last.
 *
 * @example
 * ```ts
 * it('answers the auth edges like every surface', () => expectMcpAuthEdges(h));
 * ```
 */
export async function expectMcpAuthEdges(h: McpAuthEdgeSurface): Promise<void> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
  const r = await probeAuthEdges({
    idp: h.idp,
    audience: h.server.publicUrl,
    send: (authorization) => fetch(h.server.publicUrl, { method: 'POST', headers: authorization === undefined ? headers : { ...headers, authorization }, body }),
  });
  expect(r.missing.status).toBe(401);
  expect(r.missing.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="[^"]+"/);
  expect(r.missing.headers.get('www-authenticate')).not.toContain('error=');
  expect(r.missingScope.status).toBe(403);
  expect(r.missingScope.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  expect(r.missingScope.headers.get('www-authenticate')).toContain('scope="mcp:tools"');
  expect(r.idpDown.status).toBe(503);
  expect(r.idpDown.headers.get('retry-after')).toBe('5');
  expect(await r.idpDown.json()).toMatchObject({ error: 'temporarily_unavailable' });
  const failures = h.logs.filter((l) => (l['event'] as { action?: string } | undefined)?.action === 'authentication').map((l) => (l['event'] as { reason?: string }).reason);
  expect(failures).toEqual(expect.arrayContaining(['ERR_TOKEN_MISSING', 'ERR_INSUFFICIENT_SCOPE', 'ERR_IDP_UNAVAILABLE']));
}
