import type { PlatformErrorCode } from './codes.ts';

export type { PlatformErrorCode } from './codes.ts';

export interface PlatformErrorOptions {
  cause?: unknown;
}

/**
 * Every error the platform raises on purpose. The `code` is a stable literal
 * from the one vocabulary ({@link ERROR_CODES}) callers switch on; `message` is
 * generic and never echoes a token or a secret. Base class: `name` follows the
 * subclass, `cause` is kept; subclasses have one code each (`static code`).
 *
 * @example
 * ```ts
 * if (err instanceof PlatformError && err.code === 'ERR_AUTHZ_DENIED') res.status(403);
 * ```
 */
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
