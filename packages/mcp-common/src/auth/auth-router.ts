import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/express';
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { platformErrorOf } from '../errors/base.ts';
import { IdentityProviderUnavailableError, InsufficientScopeError, TokenError, type AuthError, type AuthFailureReason } from './errors.ts';

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
  /**
   * Renders a refused request. Default: the OAuth error JSON of RFC 6750
   * (`{ error, error_description }`) with the rejection's status,
   * `WWW-Authenticate` and `Retry-After`. The REST proxy passes its RFC 9457 renderer.
   */
  onRejected?: (rejection: AuthRejection, req: Request, res: Response, next: NextFunction) => void;
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

/** `u` without its fragment and trailing slash, for comparing resource identifiers. */
function stripResource(u: string): string {
  const url = new URL(u);
  url.hash = '';
  return url.href.replace(/\/$/, '');
}

function sameResource(a: string, b: string): boolean {
  if (!URL.canParse(a) || !URL.canParse(b)) return false;
  return stripResource(a) === stripResource(b);
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The typed error behind a verifier failure. Our verifier wraps its typed
 * error in the SDK's `OAuthError`; another `OAuthTokenVerifier` may throw a
 * bare `OAuthError`, classified by its `code` (never its message).
 */
function typedAuthError(err: unknown, requiredScopes: readonly string[]): AuthError {
  const typed = platformErrorOf(err);
  if (typed instanceof TokenError || typed instanceof InsufficientScopeError || typed instanceof IdentityProviderUnavailableError) return typed;
  if (err instanceof OAuthError && err.code === OAuthErrorCode.InsufficientScope) return new InsufficientScopeError(requiredScopes, { cause: err });
  if (err instanceof OAuthError && (err.code === OAuthErrorCode.ServerError || err.code === OAuthErrorCode.TemporarilyUnavailable)) {
    return new IdentityProviderUnavailableError(undefined, { cause: err });
  }
  return new TokenError('ERR_TOKEN_INVALID', 'The access token is invalid', { cause: err });
}

function quoted(value: string): string {
  return value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '?');
}

/**
 * The answer to one refused request, classified by the typed error behind it
 * (never by message text). The MCP servers render it as OAuth error JSON, the
 * REST proxy as an RFC 9457 problem; both send the same status and challenge.
 */
export interface AuthRejection {
  /** The typed reason, as passed to `onAuthFailure`. */
  reason: AuthFailureReason;
  /** `401` (no or bad token), `403` (a scope is missing) or `503` (the IdP is unreachable). */
  status: 401 | 403 | 503;
  /**
   * RFC 6750 §3.1 error code; absent when the request carried no credentials at all
   * (the RFC says the challenge then SHOULD NOT name an error), and for `503`.
   */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Generic, caller-safe description (never the token). */
  description: string;
  /** `WWW-Authenticate` value, for `401`/`403`. */
  challenge?: string;
  /** `Retry-After` in seconds, for `503`. */
  retryAfterSeconds?: number;
  /** The typed error (for logs and `platformErrorOf`). */
  cause: AuthError;
}

/**
 * The resource-server side of the MCP authorization spec for an Express app:
 * RFC 9728 metadata plus the one bearer-token middleware of the platform
 * (every MCP server and the REST proxy use it). Each failure is classified by
 * the typed error behind it ({@link AuthRejection}): `401` with a
 * `WWW-Authenticate: Bearer resource_metadata=…` challenge (naming no error
 * when the request carried no credentials, RFC 6750 §3.1), `403
 * insufficient_scope`, or `503` with `Retry-After` when the IdP is unreachable.
 * The typed reason goes to `onAuthFailure`.
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
  // A verifier names the same few resources on every request: each one's verdict is remembered (bounded).
  const resourceVerdicts = new Map<string, boolean>();
  const isExpectedResource = (href: string): boolean => {
    let verdict = resourceVerdicts.get(href);
    if (verdict === undefined) {
      verdict = expectedResource !== undefined && sameResource(href, expectedResource.href);
      if (resourceVerdicts.size < 64) resourceVerdicts.set(href, verdict);
    }
    return verdict;
  };

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

  const scopeAttr = requiredScopes.length > 0 ? `, scope="${quoted(requiredScopes.join(' '))}"` : '';
  const reject = (cause: AuthError, missing: boolean, malformed = false): AuthRejection => {
    if (cause instanceof IdentityProviderUnavailableError) {
      return { reason: cause.code, status: 503, description: 'The identity provider is unavailable', retryAfterSeconds, cause };
    }
    const base = `Bearer resource_metadata="${quoted(resourceMetadataUrl)}"`;
    if (missing) return { reason: 'ERR_TOKEN_MISSING', status: 401, description: 'A bearer token is required', challenge: `${base}${scopeAttr}`, cause };
    const error = cause instanceof InsufficientScopeError ? 'insufficient_scope' : malformed ? 'invalid_request' : 'invalid_token';
    return {
      reason: cause.code,
      status: cause instanceof InsufficientScopeError ? 403 : 401,
      error,
      description: cause.message,
      challenge: `${base}, error="${error}", error_description="${quoted(cause.message)}"${scopeAttr}`,
      cause,
    };
  };
  const authenticate = async (header: string | undefined): Promise<AuthInfo | AuthRejection> => {
    if (header === undefined || header.trim() === '') return reject(new TokenError('ERR_TOKEN_MISSING', 'A bearer token is required'), true);
    const match = BEARER.exec(header.trim());
    if (!match) return reject(new TokenError('ERR_TOKEN_INVALID', 'The Authorization header is not a bearer token'), false, true);
    let authInfo: AuthInfo;
    try {
      authInfo = await verifier.verifyAccessToken(match[1] as string);
    } catch (err) {
      return reject(typedAuthError(err, requiredScopes), false);
    }
    // Defence in depth for verifiers other than ours: resource, scopes and expiry are re-checked here.
    if (expectedResource !== undefined && (authInfo.resource === undefined || !isExpectedResource(authInfo.resource.href))) {
      return reject(new TokenError('ERR_TOKEN_AUDIENCE', 'The access token was not issued for this resource'), false);
    }
    if (!requiredScopes.every((scope) => authInfo.scopes.includes(scope))) return reject(new InsufficientScopeError(requiredScopes), false);
    if (typeof authInfo.expiresAt !== 'number' || Number.isNaN(authInfo.expiresAt)) return reject(new TokenError('ERR_TOKEN_INVALID', 'The access token has no expiry'), false);
    if (authInfo.expiresAt < Date.now() / 1000) return reject(new TokenError('ERR_TOKEN_EXPIRED', 'The access token has expired'), false);
    return authInfo.resourceMetadataUrl === undefined ? { ...authInfo, resourceMetadataUrl } : authInfo;
  };
  const render = options.onRejected ?? ((rejection: AuthRejection, _req: Request, res: Response) => {
    if (rejection.challenge !== undefined) res.set('WWW-Authenticate', rejection.challenge);
    if (rejection.retryAfterSeconds !== undefined) res.set('Retry-After', String(rejection.retryAfterSeconds));
    res.status(rejection.status).json({ error: rejection.error ?? (rejection.status === 503 ? 'temporarily_unavailable' : 'invalid_token'), error_description: rejection.description });
  });

  const requireAuth: RequestHandler = async (req, res, next) => {
    const outcome = await authenticate(req.headers.authorization);
    if ('reason' in outcome) {
      try {
        onAuthFailure?.(outcome.reason);
      } catch {
        // a metrics hook must never turn a 401 into a 500
      }
      render(outcome, req, res, next);
      return;
    }
    req.auth = outcome;
    next();
  };

  return { metadataRouter, requireAuth, resourceMetadataUrl, metadata };
}

/**
 * The RFC 9470 step-up challenge (`WWW-Authenticate` value of a `401`): the caller's
 * authentication is too weak or too old for this request; it should sign in again with one of
 * `acrValues` (and no longer ago than `maxAgeSeconds`) and retry. Carries `resource_metadata`
 * like every other challenge of the platform (MCP authorization spec).
 *
 * @example
 * ```ts
 * res.set('WWW-Authenticate', stepUpChallenge(resourceMetadataUrl, { acrValues: ['mfa'], maxAgeSeconds: 900 }));
 * // Bearer resource_metadata="…", error="insufficient_user_authentication", error_description="…", acr_values="mfa", max_age="900"
 * ```
 */
export function stepUpChallenge(resourceMetadataUrl: string, demand: { readonly acrValues: readonly string[]; readonly maxAgeSeconds?: number | undefined }): string {
  const maxAge = demand.maxAgeSeconds === undefined ? '' : `, max_age="${String(Math.max(0, Math.floor(demand.maxAgeSeconds)))}"`;
  return `Bearer resource_metadata="${quoted(resourceMetadataUrl)}", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", acr_values="${quoted(demand.acrValues.join(' '))}"${maxAge}`;
}

/**
 * The step-up demand in a `WWW-Authenticate` value, when it is the RFC 9470
 * `insufficient_user_authentication` challenge (as {@link stepUpChallenge} writes it); `undefined`
 * for any other challenge or a malformed one. For a client of an MCP server (the REST proxy) that
 * passes the demand on to its own caller.
 *
 * @example
 * ```ts
 * parseStepUpChallenge('Bearer error="insufficient_user_authentication", acr_values="mfa", max_age="900"');
 * // { acrValues: ['mfa'], maxAgeSeconds: 900 }
 * ```
 */
export function parseStepUpChallenge(header: string | null | undefined): { acrValues: string[]; maxAgeSeconds?: number } | undefined {
  if (typeof header !== 'string' || header.length > 4096 || !/^\s*Bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/([A-Za-z_]+)="((?:[^"\\]|\\.)*)"/g)) params[(m[1] as string).toLowerCase()] ??= (m[2] as string).replace(/\\(.)/g, '$1');
  if (params['error'] !== 'insufficient_user_authentication') return undefined;
  const acrValues = (params['acr_values'] ?? '').split(' ').filter((v) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(v));
  const maxAge = params['max_age'];
  const maxAgeSeconds = maxAge !== undefined && /^\d{1,9}$/.test(maxAge) ? Number(maxAge) : undefined;
  if (acrValues.length === 0 && maxAgeSeconds === undefined) return undefined;
  return maxAgeSeconds === undefined ? { acrValues } : { acrValues, maxAgeSeconds };
}
