import express, { type RequestHandler, type Router } from 'express';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/express';
import { bearerAuthChallengeResponse, OAuthError, OAuthErrorCode, verifyBearerToken, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import type { AuthFailureReason } from './errors.ts';
import { authFailureReason } from './token-verifier.ts';

/** Options of {@link createAuthRouter}. */
export interface AuthRouterOptions {
  /** The token verifier (normally {@link createTokenVerifier}'s; any SDK `OAuthTokenVerifier` works). */
  verifier: OAuthTokenVerifier & { readonly requiredScopes?: readonly string[]; readonly audience?: string };
  /** This server's public MCP endpoint = its RFC 8707 resource identifier, e.g. `http://127.0.0.1:8101/mcp`. */
  resourceUrl: string | URL;
  /** Issuers advertised as `authorization_servers`. */
  authorizationServers: readonly (string | URL)[];
  /** Advertised as `scopes_supported`. Default: the required scopes. */
  scopesSupported?: readonly string[];
  /** Advertised as `resource_name`. */
  resourceName?: string;
  /** Advertised as `resource_documentation`. */
  resourceDocumentationUrl?: string | URL;
  /** Scopes every request needs (403 `insufficient_scope` otherwise). Default: the verifier's `requiredScopes`, else `[]`. */
  requiredScopes?: readonly string[];
  /** Called once per refused request with the typed reason, e.g. to count auth failures. Must not throw. */
  onAuthFailure?: (reason: AuthFailureReason) => void;
  /** Seconds advertised in `Retry-After` when the identity provider is unreachable. Default `5`. */
  retryAfterSeconds?: number;
}

/** RFC 9728 OAuth 2.0 Protected Resource Metadata, as served. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: ['header'];
  scopes_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
}

/** What {@link createAuthRouter} returns. */
export interface AuthRouter {
  /** Serves the Protected Resource Metadata at `/.well-known/oauth-protected-resource<path>` and at the root form. Mount at `/`. */
  metadataRouter: Router;
  /** Bearer-token middleware: sets `req.auth` or answers 401/403 with a `WWW-Authenticate` challenge, or 503 when the IdP is down. */
  requireAuth: RequestHandler;
  /** The `resource_metadata` URL advertised in challenges. */
  resourceMetadataUrl: string;
  metadata: ProtectedResourceMetadata;
}

function sameResource(a: string, b: string): boolean {
  if (!URL.canParse(a) || !URL.canParse(b)) return false;
  const strip = (u: string): string => {
    const url = new URL(u);
    url.hash = '';
    return url.href.replace(/\/$/, '');
  };
  return strip(a) === strip(b);
}

function reasonFor(err: unknown, hadHeader: boolean): AuthFailureReason {
  const typed = authFailureReason(err);
  if (typed !== undefined) return typed;
  if (!hadHeader) return 'ERR_TOKEN_MISSING';
  if (err instanceof OAuthError && err.code === OAuthErrorCode.InsufficientScope) return 'ERR_INSUFFICIENT_SCOPE';
  if (err instanceof OAuthError && /resource/i.test(err.message)) return 'ERR_TOKEN_AUDIENCE';
  if (err instanceof OAuthError && /expired/i.test(err.message)) return 'ERR_TOKEN_EXPIRED';
  return 'ERR_TOKEN_INVALID';
}

/**
 * The resource-server side of the MCP authorization spec for an Express app:
 * RFC 9728 metadata plus bearer-token middleware built on the SDK's
 * `verifyBearerToken`/`bearerAuthChallengeResponse` (the core of its
 * `requireBearerAuth`), so 401/403 answers and their `WWW-Authenticate:
 * Bearer error=…, resource_metadata=…` challenges are exactly the SDK's. On top
 * of the SDK it reports each failure's typed reason to `onAuthFailure` and
 * answers `503 temporarily_unavailable` (not 500) when the IdP is unreachable.
 *
 * @example
 * ```ts
 * const verifier = createTokenVerifier({ issuer, audience: 'http://127.0.0.1:8101/mcp', requiredScopes: ['mcp:tools'] });
 * const { metadataRouter, requireAuth } = createAuthRouter({
 *   verifier,
 *   resourceUrl: 'http://127.0.0.1:8101/mcp',
 *   authorizationServers: [issuer],
 *   scopesSupported: ['mcp:tools'],
 *   resourceName: 'mcp-network',
 *   onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
 * });
 * app.use(metadataRouter);
 * app.post('/mcp', requireAuth, mcpHandler);
 * ```
 */
export function createAuthRouter(options: AuthRouterOptions): AuthRouter {
  const { verifier, onAuthFailure, retryAfterSeconds = 5 } = options;
  const resourceUrl = new URL(options.resourceUrl);
  if (options.authorizationServers.length === 0) throw new TypeError('authorizationServers must name at least one issuer');
  const requiredScopes = [...(options.requiredScopes ?? verifier.requiredScopes ?? [])];
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(resourceUrl);
  // The SDK re-checks AuthInfo.resource when the verifier's audience is this URL (defence in depth).
  const expectedResource = verifier.audience !== undefined && sameResource(verifier.audience, resourceUrl.href) ? resourceUrl : undefined;

  const metadata: ProtectedResourceMetadata = {
    resource: resourceUrl.href,
    authorization_servers: options.authorizationServers.map((s) => (typeof s === 'string' ? s : s.href)),
    bearer_methods_supported: ['header'],
  };
  const scopesSupported = options.scopesSupported ?? requiredScopes;
  if (scopesSupported.length > 0) metadata.scopes_supported = [...scopesSupported];
  if (options.resourceName !== undefined) metadata.resource_name = options.resourceName;
  if (options.resourceDocumentationUrl !== undefined) metadata.resource_documentation = new URL(options.resourceDocumentationUrl).href;

  const metadataRouter = express.Router();
  const serveMetadata: RequestHandler = (req, res) => {
    res.set('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', 'GET, OPTIONS').status(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('Allow', 'GET, OPTIONS').status(405).json({ error: 'method_not_allowed', error_description: 'Method not allowed' });
      return;
    }
    res.set('Cache-Control', 'public, max-age=3600').json(metadata);
  };
  const path = resourceUrl.pathname === '/' ? '' : resourceUrl.pathname.replace(/\/$/, '');
  metadataRouter.all(`/.well-known/oauth-protected-resource${path}`, serveMetadata);
  if (path !== '') metadataRouter.all('/.well-known/oauth-protected-resource', serveMetadata);

  const requireAuth: RequestHandler = async (req, res, next) => {
    const header = req.headers.authorization;
    try {
      req.auth = await verifyBearerToken(header, { verifier, requiredScopes, resourceMetadataUrl, ...(expectedResource === undefined ? {} : { expectedResource }) });
    } catch (err) {
      const reason = reasonFor(err, header !== undefined && header !== '');
      try {
        onAuthFailure?.(reason);
      } catch {
        // a metrics hook must never turn a 401 into a 500
      }
      if (reason === 'ERR_IDP_UNAVAILABLE') {
        res.set('Retry-After', String(retryAfterSeconds)).status(503).json({ error: 'temporarily_unavailable', error_description: 'The identity provider is unavailable' });
        return;
      }
      const response = bearerAuthChallengeResponse(err, { requiredScopes, resourceMetadataUrl });
      const challenge = response.headers.get('WWW-Authenticate');
      if (challenge !== null) res.set('WWW-Authenticate', challenge);
      res.status(response.status).json(await response.json());
      return;
    }
    next();
  };

  return { metadataRouter, requireAuth, resourceMetadataUrl, metadata };
}
