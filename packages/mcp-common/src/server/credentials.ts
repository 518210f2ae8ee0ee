import { isUpstreamAuthRejection, type SecretProvider } from '../secrets/index.ts';

/**
 * Wraps an upstream client so that each of its methods, when the upstream
 * rejects the platform's credential (`ERR_UPSTREAM_AUTH`), invalidates the
 * cached secret, re-reads it, and retries exactly once. A second rejection
 * propagates. Non-function properties pass through untouched.
 *
 * The client must read its credentials lazily from the same provider (so the
 * retry picks up the re-read secret).
 *
 * @example
 * ```ts
 * const catalyst = withCredentialRetry(createCatalystCenterClient({ credentials: () => secrets.get('catalyst-center'), … }), secrets, 'catalyst-center');
 * ```
 */
export function withCredentialRetry<T extends object>(client: T, secrets: SecretProvider, secretName: string): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      // Lifecycle and state accessors are not upstream calls.
      if (prop === 'close' || prop === 'breakerState') return (value as (...a: unknown[]) => unknown).bind(target);
      const call = (args: unknown[]) => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
      // The client reads the secret lazily (only when it needs a new upstream token), so the
      // happy path costs no secret read; a rejection invalidates and the one retry re-reads it.
      return async (...args: unknown[]) => {
        try {
          return await call(args);
        } catch (err) {
          if (!isUpstreamAuthRejection(err)) throw err;
          secrets.invalidate(secretName);
          return call(args);
        }
      };
    },
  });
}
