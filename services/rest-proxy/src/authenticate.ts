import type { NextFunction, Request, Response } from 'express';
import { IdentityProviderUnavailableError, InsufficientScopeError, principalFromAuthInfo, type Principal, type TokenVerifier } from '@mcp-platform/mcp-common/auth';
import { ProblemError } from './problem.ts';

/** What {@link authenticate} leaves on `res.locals`. */
export interface Caller {
  principal: Principal;
  /** The caller's own token: only ever sent to the IdP as `subject_token`, never to an MCP server. */
  token: string;
}

/** The caller of an authenticated request (throws a TypeError if the route was not authenticated). */
export function callerOf(res: Response): Caller {
  const caller = res.locals['caller'] as Caller | undefined;
  if (!caller) throw new TypeError('route is not behind authenticate()');
  return caller;
}

/**
 * Bearer authentication of the proxy as a resource server (audience = the
 * proxy's public URL): 401 with a `WWW-Authenticate` challenge pointing at the
 * RFC 9728 metadata, 403 `insufficient_scope`, 503 when the IdP is unreachable —
 * each as an RFC 9457 problem.
 *
 * @example
 * ```ts
 * app.use('/api', authenticate(verifier, 'http://127.0.0.1:8080/.well-known/oauth-protected-resource', (r) => metrics.authFailures.inc({ server: 'rest-proxy', reason: r })));
 * ```
 */
export function authenticate(verifier: TokenVerifier, resourceMetadataUrl: string, onFailure: (reason: string) => void) {
  const challenge = (error?: string) => `Bearer resource_metadata="${resourceMetadataUrl}"${error ? `, error="${error}"` : ''}`;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
    if (!match) {
      onFailure(header === undefined ? 'missing' : 'malformed');
      next(new ProblemError(401, 'ERR_TOKEN_MISSING', 'A bearer token issued for this proxy is required.', { challenge: challenge(header === undefined ? undefined : 'invalid_request') }));
      return;
    }
    const token = match[1] as string;
    try {
      const authInfo = await verifier.verifyAccessToken(token);
      res.locals['caller'] = { principal: principalFromAuthInfo(authInfo), token } satisfies Caller;
      next();
    } catch (err) {
      if (err instanceof IdentityProviderUnavailableError) {
        onFailure('idp_unavailable');
        next(new ProblemError(503, 'ERR_IDP_UNAVAILABLE', 'The identity provider is unreachable; try again later.', { retryAfterSeconds: 5, cause: err }));
      } else if (err instanceof InsufficientScopeError) {
        onFailure('insufficient_scope');
        next(new ProblemError(403, 'ERR_INSUFFICIENT_SCOPE', `The token lacks a required scope (${verifier.requiredScopes.join(' ')}).`, {
          challenge: `${challenge('insufficient_scope')}, scope="${verifier.requiredScopes.join(' ')}"`,
          cause: err,
        }));
      } else {
        onFailure((err as { code?: string }).code ?? 'invalid');
        next(new ProblemError(401, 'ERR_TOKEN_INVALID', 'The bearer token is not valid for this proxy.', { challenge: challenge('invalid_token'), cause: err }));
      }
    }
  };
}
