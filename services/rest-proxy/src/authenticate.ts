import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { InsufficientScopeError, principalFromAuthInfo, type AuthRejection, type Principal } from '@mcp-platform/mcp-common/auth';
import { ProblemError } from './problem.ts';

/** What {@link withCaller} leaves on `res.locals`. */
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
 * Renders a bearer-auth rejection of the spine's `requireAuth` as an RFC 9457
 * problem with the same status, `WWW-Authenticate` and `Retry-After`: 401
 * `ERR_TOKEN_MISSING`/`ERR_TOKEN_INVALID`, 403 `ERR_INSUFFICIENT_SCOPE`, 503 `ERR_IDP_UNAVAILABLE`.
 *
 * @example
 * ```ts
 * createAuthRouter({ verifier, resourceUrl, authorizationServers, onRejected: rejectAsProblem });
 * ```
 */
export function rejectAsProblem(rejection: AuthRejection, _req: Request, _res: Response, next: NextFunction): void {
  const options = {
    cause: rejection.cause,
    ...(rejection.challenge === undefined ? {} : { challenge: rejection.challenge }),
    ...(rejection.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: rejection.retryAfterSeconds }),
  };
  switch (rejection.status) {
    case 503:
      next(new ProblemError('ERR_IDP_UNAVAILABLE', 'The identity provider is unreachable; try again later.', options));
      return;
    case 403:
      next(new ProblemError('ERR_INSUFFICIENT_SCOPE', `The token lacks a required scope (${rejection.cause instanceof InsufficientScopeError ? rejection.cause.requiredScopes.join(' ') : ''}).`, options));
      return;
    default:
      next(
        rejection.reason === 'ERR_TOKEN_MISSING'
          ? new ProblemError('ERR_TOKEN_MISSING', 'A bearer token issued for this proxy is required.', options)
          : new ProblemError('ERR_TOKEN_INVALID', 'The bearer token is not valid for this proxy.', options),
      );
  }
}

/**
 * After the spine's `requireAuth`: puts the verified caller on `res.locals` for {@link callerOf}.
 *
 * @example
 * ```ts
 * app.get('/api/v1/servers', requireAuth, withCaller, handler);
 * ```
 */
export const withCaller: RequestHandler = (req, res, next) => {
  if (req.auth === undefined) {
    next(new TypeError('withCaller() must follow requireAuth'));
    return;
  }
  res.locals['caller'] = { principal: principalFromAuthInfo(req.auth), token: req.auth.token } satisfies Caller;
  next();
};
