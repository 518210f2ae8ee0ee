import { PlatformError, type PlatformErrorOptions } from '../errors/base.ts';

/** Why an access token was refused. */
export type TokenErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_ISSUER'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_KEY_UNKNOWN';

/** Every reason an authentication attempt can fail, as passed to `onAuthFailure`. */
export type AuthFailureReason = TokenErrorCode | 'ERR_INSUFFICIENT_SCOPE' | 'ERR_IDP_UNAVAILABLE';

/**
 * An access token failed a check (answered `401 invalid_token`). The message is
 * generic and never contains the token.
 *
 * @example
 * ```ts
 * if (err instanceof TokenError && err.code === 'ERR_TOKEN_EXPIRED') metrics.expired.inc();
 * ```
 */
export class TokenError extends PlatformError<TokenErrorCode> {
  constructor(code: TokenErrorCode, message: string, options: PlatformErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * A valid token lacks a scope this resource requires (answered `403 insufficient_scope`).
 *
 * @example
 * ```ts
 * throw new InsufficientScopeError(['mcp:tools']);
 * ```
 */
export class InsufficientScopeError extends PlatformError<'ERR_INSUFFICIENT_SCOPE'> {
  /** The scopes the resource requires (not the token's). */
  readonly requiredScopes: readonly string[];

  constructor(requiredScopes: readonly string[], options: PlatformErrorOptions = {}) {
    super('ERR_INSUFFICIENT_SCOPE', 'The access token lacks a required scope', options);
    this.requiredScopes = requiredScopes;
  }
}

/**
 * The identity provider could not be reached (discovery, JWKS or introspection):
 * a transient condition, answered `503`, not a verdict on the token.
 *
 * @example
 * ```ts
 * if (err instanceof IdentityProviderUnavailableError) res.status(503).set('Retry-After', '5');
 * ```
 */
export class IdentityProviderUnavailableError extends PlatformError<'ERR_IDP_UNAVAILABLE'> {
  constructor(message = 'The identity provider is unavailable', options: PlatformErrorOptions = {}) {
    super('ERR_IDP_UNAVAILABLE', message, options);
  }
}

/**
 * The identity provider refused an RFC 8693 token exchange (the subject token is not
 * delegable to `audience`, or the exchanging client is not allowed to). The message
 * names the audience, never the token.
 *
 * @example
 * ```ts
 * if (err instanceof TokenExchangeError) res.status(401);
 * ```
 */
export class TokenExchangeError extends PlatformError<'ERR_TOKEN_EXCHANGE'> {
  /** The resource the exchange asked for. */
  readonly audience: string;

  constructor(audience: string, options: PlatformErrorOptions = {}) {
    super('ERR_TOKEN_EXCHANGE', `The identity provider refused to delegate this token to ${audience}.`, options);
    this.audience = audience;
  }
}

/** Any error the auth module raises on purpose. */
export type AuthError = TokenError | InsufficientScopeError | IdentityProviderUnavailableError;
