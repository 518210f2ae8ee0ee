import { PlatformError, type PlatformErrorOptions } from '../errors/base.ts';
import type { Decision } from './types.ts';

/**
 * The policy denied the call: the one denial error of the platform (MCP
 * servers, the REST proxy, the worker). `reasons` are the policy's own (safe
 * to show the caller) and make up the message.
 *
 * @example
 * ```ts
 * if (err instanceof AuthzDeniedError) return toolError(`Not allowed: ${err.reasons.join('; ')}`);
 * ```
 */
export class AuthzDeniedError extends PlatformError<'ERR_AUTHZ_DENIED'> {
  static readonly code = 'ERR_AUTHZ_DENIED';
  readonly reasons: readonly string[];

  constructor(reasons: readonly string[], options: PlatformErrorOptions = {}) {
    super('ERR_AUTHZ_DENIED', `Permission denied: ${reasons.length > 0 ? reasons.join('; ') : 'no policy grants this call'}.`, options);
    this.reasons = [...reasons];
  }
}

/**
 * The policy engine could not decide (down, timed out, malformed answer); the call was denied.
 *
 * @example
 * ```ts
 * if (err instanceof AuthzUnavailableError) res.status(503);
 * ```
 */
export class AuthzUnavailableError extends PlatformError<'ERR_AUTHZ_UNAVAILABLE'> {
  static readonly code = 'ERR_AUTHZ_UNAVAILABLE';

  constructor(options: PlatformErrorOptions = {}) {
    super('ERR_AUTHZ_UNAVAILABLE', 'policy engine unavailable', options);
  }
}

/**
 * Throws unless `decision` allows: {@link AuthzUnavailableError} when the engine
 * could not decide, {@link AuthzDeniedError} otherwise.
 *
 * @example
 * ```ts
 * assertAllowed(await authorizer.decide(input)); // then call the upstream
 * ```
 */
export function assertAllowed(decision: Decision): void {
  if (decision.allow) return;
  if (decision.error === 'ERR_AUTHZ_UNAVAILABLE') throw new AuthzUnavailableError();
  throw new AuthzDeniedError(decision.reasons);
}
