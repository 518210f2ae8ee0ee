import type { RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';

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
