import type { AuthInfo } from '@modelcontextprotocol/server';
import { TokenError } from './errors.ts';

/**
 * The authenticated caller as the rest of the platform sees it (policy input
 * `subject`, audit `user.id`). Built by the token verifier and carried in
 * `AuthInfo.extra.principal`.
 */
export interface Principal {
  /** The token `sub`: a user name, or the client id for client-credentials tokens. */
  readonly id: string;
  /** Groups/roles from the configured claim path (`groups`, `realm_access.roles`, `roles`). */
  readonly groups: string[];
  readonly scopes: string[];
  /** The OAuth client the token was issued to (`client_id`/`azp`). */
  readonly clientId: string;
  /** RFC 8693 actor (`act.sub`) when the token was obtained by token exchange. */
  readonly actorId?: string;
  /**
   * How the user authenticated, from the token (OIDC `acr`, `amr`, `auth_time`): the policy's
   * step-up rules read them (RFC 9470). Absent when the token does not say.
   */
  readonly authentication?: Authentication;
}

/** The authentication event behind a token (OpenID Connect Core §2 claims). */
export interface Authentication {
  /** Authentication context class reached, e.g. `mfa` (the realm's ACR-to-level map names the levels). */
  readonly acr?: string;
  /** Authentication methods used, e.g. `['pwd', 'otp']`. */
  readonly amr?: readonly string[];
  /** When the user authenticated, in seconds since the epoch. */
  readonly authTime?: number;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Reads the {@link Principal} the verifier put on `authInfo.extra.principal`.
 * Fails closed: throws {@link TokenError} (`ERR_TOKEN_MISSING`) when the request
 * was not authenticated by this module (no `authInfo`, or one without a principal).
 *
 * @example
 * ```ts
 * const principal = principalFromAuthInfo(ctx.http?.authInfo);
 * logger.info('tool call', { user: { id: principal.id, roles: principal.groups } });
 * ```
 */
export function principalFromAuthInfo(authInfo: AuthInfo | undefined): Principal {
  const candidate = authInfo?.extra?.['principal'];
  const p = typeof candidate === 'object' && candidate !== null ? (candidate as Record<string, unknown>) : {};
  const { id, clientId, groups, scopes, actorId, authentication } = p;
  if (typeof id !== 'string' || typeof clientId !== 'string' || !isStringArray(groups) || !isStringArray(scopes)) {
    throw new TokenError('ERR_TOKEN_MISSING', 'The request carries no authenticated principal');
  }
  const principal: Principal = { id, groups: [...groups], scopes: [...scopes], clientId, ...(typeof actorId === 'string' ? { actorId } : {}) };
  const auth = authenticationFromClaims(typeof authentication === 'object' && authentication !== null ? (authentication as Record<string, unknown>) : {}, 'acr', 'amr', 'authTime');
  return auth === undefined ? principal : { ...principal, authentication: auth };
}

/**
 * The {@link Authentication} in a token's claims (`acr`, `amr`, `auth_time`), keeping only
 * well-typed values; `undefined` when none is present. Key names are parameters so the same
 * check reads a JWT payload and a stored principal.
 *
 * @example
 * ```ts
 * authenticationFromClaims({ acr: 'mfa', amr: ['pwd', 'otp'], auth_time: 1764720000 });
 * // { acr: 'mfa', amr: ['pwd', 'otp'], authTime: 1764720000 }
 * ```
 */
export function authenticationFromClaims(claims: Record<string, unknown>, acrKey = 'acr', amrKey = 'amr', authTimeKey = 'auth_time'): Authentication | undefined {
  const acr = claims[acrKey];
  const amr = claims[amrKey];
  const authTime = claims[authTimeKey];
  const out: { acr?: string; amr?: string[]; authTime?: number } = {};
  if (typeof acr === 'string' && acr !== '') out.acr = acr;
  if (isStringArray(amr)) out.amr = [...amr];
  if (typeof authTime === 'number' && Number.isFinite(authTime) && authTime > 0) out.authTime = authTime;
  return Object.keys(out).length === 0 ? undefined : out;
}
