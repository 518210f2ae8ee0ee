import type { z } from 'zod';
import { isPlatformError } from '../errors/base.ts';
import type { SecretProvider, SecretValue } from './types.ts';

/** Options of {@link withUpstreamCredentials}. */
export interface UpstreamCredentialsOptions<C> {
  /** The spine's secret provider (cached, audited, counted in `mcp_secret_reads_total`). */
  secrets: SecretProvider;
  /** The secret's name, e.g. `catalyst-center` (Vault KV v2 `mcp/catalyst-center`). */
  name: string;
  /**
   * Parses the secret into the client's credential type — one schema per kind of credential,
   * kept by the connector that uses it (each connector's `…FromConfig` factory passes its own). Its
   * `description` names the keys it needs (used in the error, never values).
   */
  schema: z.ZodType<C>;
}

/**
 * The one way an upstream client gets its credentials. `create` receives a lazy credential
 * getter for the client: it reads the secret through the spine's provider (which caches it with a
 * TTL, audits the read and counts it in `mcp_secret_reads_total`) and parses it with `schema`
 * (parsed once per secret value read). The client that `create` returns is wrapped so that when
 * any of its methods fails because the upstream rejected the credential (`ERR_UPSTREAM_AUTH`), the
 * cached secret is dropped and the method runs exactly once more — its next credential read goes to
 * the source, which is how a rotated credential is picked up. A second rejection propagates
 * unchanged (no loop). `close()` and `breakerState()` pass through unwrapped.
 *
 * A secret that does not fit `schema` is a `TypeError` naming the secret and the keys it needs,
 * never a value. An upstream's own session token (Catalyst Center's `X-Auth-Token`, a ServiceNow
 * OAuth access token) is the connector's business: it renews that token itself before asking for
 * the credential again.
 *
 * @example
 * ```ts
 * // packages/connectors: a connector's factory
 * const github = withUpstreamCredentials({ secrets, name: 'github', schema: gitHubSecret }, (credentials) =>
 *   createGitHubClient({ baseUrl, credentials, logger }),
 * );
 * ```
 */
export function withUpstreamCredentials<C, T extends object>(options: UpstreamCredentialsOptions<C>, create: (credentials: () => Promise<C>) => T): T {
  const { secrets, name, schema } = options;
  let last: { raw: SecretValue; parsed: C } | undefined;
  const credentials = async (): Promise<C> => {
    const raw = await secrets.get(name);
    if (last?.raw === raw) return last.parsed;
    const result = schema.safeParse(raw);
    // The zod issues are not attached: an issue may quote the value it rejected.
    if (!result.success) throw new TypeError(`secret "${name}" must have ${schema.description ?? 'the keys its upstream client needs'}`);
    last = { raw, parsed: result.data };
    return result.data;
  };
  return retryOnceOnRejection(create(credentials), () => secrets.invalidate(name));
}

/** Lifecycle and state accessors are not upstream calls. */
const PASS_THROUGH = new Set<string | symbol>(['close', 'breakerState']);

function retryOnceOnRejection<T extends object>(client: T, invalidate: () => void): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => unknown;
      if (PASS_THROUGH.has(prop)) return method.bind(target);
      // The client reads the secret lazily (only when it needs a new upstream token), so the
      // happy path costs no extra read; a rejection invalidates, and the one retry re-reads it.
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } catch (err) {
          if (!isPlatformError(err, 'ERR_UPSTREAM_AUTH')) throw err;
          invalidate();
          return method.apply(target, args);
        }
      };
    },
  });
}
