/**
 * Every error the platform raises on purpose. The `code` is a stable literal
 * callers switch on; `message` is generic and never echoes a token or a secret.
 *
 * @example
 * ```ts
 * if (err instanceof PlatformError && err.code === 'ERR_AUTHZ_DENIED') res.status(403);
 * ```
 */
export type PlatformErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_ISSUER'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_KEY_UNKNOWN'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_IDP_UNAVAILABLE'
  | 'ERR_AUTHZ_DENIED'
  | 'ERR_AUTHZ_UNAVAILABLE'
  | 'ERR_SECRET_UNAVAILABLE'
  | 'ERR_SECRET_NOT_FOUND'
  | 'ERR_VAULT_LOGIN'
  | 'ERR_UPSTREAM_UNAVAILABLE'
  | 'ERR_UPSTREAM_TIMEOUT'
  | 'ERR_UPSTREAM_AUTH'
  | 'ERR_UPSTREAM_REJECTED'
  | 'ERR_UPSTREAM_NOT_FOUND'
  | 'ERR_UPSTREAM_RATE_LIMITED'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_VALIDATION';

export interface PlatformErrorOptions {
  cause?: unknown;
}

/** Base class: `name` follows the subclass, `code` is a literal, `cause` is kept. */
export class PlatformError<C extends PlatformErrorCode = PlatformErrorCode> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options: PlatformErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The platform error behind `err`: `err` itself or the first {@link PlatformError}
 * in its `cause` chain (an SDK `OAuthError`, a Temporal failure or a plain
 * `Error` wrapping ours). The one way to unwrap: callers branch on the result's
 * class or `code`, never on message text.
 *
 * @example
 * ```ts
 * const typed = platformErrorOf(err);
 * if (typed instanceof IdentityProviderUnavailableError) res.status(503);
 * ```
 */
export function platformErrorOf(err: unknown): PlatformError | undefined {
  let current: unknown = err;
  // A bounded walk: a hostile or cyclic cause chain cannot spin.
  for (let depth = 0; depth < 16 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof PlatformError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `err` is a {@link PlatformError}, optionally with one of `codes`. */
export function isPlatformError<C extends PlatformErrorCode>(err: unknown, ...codes: C[]): err is PlatformError<C> {
  return err instanceof PlatformError && (codes.length === 0 || (codes as string[]).includes(err.code));
}
