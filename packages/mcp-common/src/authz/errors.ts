import { PlatformError, type PlatformErrorOptions } from '../errors/base.ts';
import type { Decision, StepUpDemand } from './types.ts';

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
 * The policy wants a stronger or more recent authentication for this call (and nothing else is
 * missing): the MCP servers answer `401` with the RFC 9470 challenge
 * (`error="insufficient_user_authentication"`, `acr_values`, `max_age`), tool results carry
 * the demand in `_meta`. The message names what to authenticate with, never the token.
 *
 * @example
 * ```ts
 * if (err instanceof StepUpRequiredError) res.set('WWW-Authenticate', stepUpChallenge(metadataUrl, err.demand));
 * ```
 */
export class StepUpRequiredError extends PlatformError<'ERR_STEP_UP_REQUIRED'> {
  static readonly code = 'ERR_STEP_UP_REQUIRED';
  readonly demand: StepUpDemand;
  readonly reasons: readonly string[];

  constructor(demand: StepUpDemand, reasons: readonly string[], options: PlatformErrorOptions = {}) {
    const age = demand.maxAgeSeconds === undefined ? '' : ` within the last ${String(demand.maxAgeSeconds)} s`;
    super('ERR_STEP_UP_REQUIRED', `A stronger authentication is required: sign in again with ${demand.acrValues.join(' or ')}${age}.`, options);
    this.demand = { acrValues: [...demand.acrValues], ...(demand.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: demand.maxAgeSeconds }) };
    this.reasons = [...reasons];
  }
}

/**
 * Throws unless `decision` allows: {@link AuthzUnavailableError} when the engine
 * could not decide, {@link StepUpRequiredError} when only a stronger authentication is missing,
 * {@link AuthzDeniedError} otherwise.
 *
 * @example
 * ```ts
 * assertAllowed(await authorizer.decide(input)); // then call the upstream
 * ```
 */
export function assertAllowed(decision: Decision): void {
  if (decision.allow) return;
  if (decision.error === 'ERR_AUTHZ_UNAVAILABLE') throw new AuthzUnavailableError();
  if (decision.stepUp !== undefined) throw new StepUpRequiredError(decision.stepUp, decision.reasons);
  throw new AuthzDeniedError(decision.reasons);
}
