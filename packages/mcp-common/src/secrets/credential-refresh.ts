import { isPlatformError } from '../errors/base.ts';
import type { SecretProvider, SecretValue } from './types.ts';

/** Default test for "the upstream rejected this credential": a `PlatformError` with code `ERR_UPSTREAM_AUTH`. */
export function isUpstreamAuthRejection(err: unknown): boolean {
  return isPlatformError(err, 'ERR_UPSTREAM_AUTH');
}

/**
 * Calls `fn` with the secret `name`. If the upstream rejects the credential (`isAuthRejection`), the
 * cached copy is invalidated, the secret is read again from its source and `fn` is retried exactly
 * once — this is how a rotated credential is picked up. A second rejection propagates unchanged.
 *
 * @example
 * ```ts
 * const incidents = await withCredentialRefresh(secrets, 'servicenow', ({ username, password }) =>
 *   servicenow.listIncidents({ username, password }),
 * );
 * ```
 */
export async function withCredentialRefresh<T>(
  provider: SecretProvider,
  name: string,
  fn: (secret: SecretValue) => Promise<T>,
  isAuthRejection: (err: unknown) => boolean = isUpstreamAuthRejection,
): Promise<T> {
  const secret = await provider.get(name);
  try {
    return await fn(secret);
  } catch (err) {
    if (!isAuthRejection(err)) throw err;
    provider.invalidate(name);
    const fresh = await provider.get(name);
    return fn(fresh);
  }
}
