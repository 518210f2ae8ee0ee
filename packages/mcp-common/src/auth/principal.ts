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
  const { id, clientId, groups, scopes, actorId } = p;
  if (typeof id !== 'string' || typeof clientId !== 'string' || !isStringArray(groups) || !isStringArray(scopes)) {
    throw new TokenError('ERR_TOKEN_MISSING', 'The request carries no authenticated principal');
  }
  const principal: Principal = { id, groups: [...groups], scopes: [...scopes], clientId };
  return typeof actorId === 'string' ? { ...principal, actorId } : principal;
}
