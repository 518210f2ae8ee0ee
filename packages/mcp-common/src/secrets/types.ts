/** A secret: a flat, read-only map of field → value (e.g. `{ username, password }` or `{ token }`). */
export type SecretValue = Readonly<Record<string, string>>;

/**
 * Where upstream credentials come from. Names are short upstream ids (`catalyst-center`, `servicenow`,
 * `github`); each implementation maps a name to its storage (Vault KV v2 path, local map).
 *
 * @example
 * ```ts
 * const { token } = await secrets.get('github');
 * ```
 */
export interface SecretProvider {
  /** The secret, from cache while fresh; rejects with `SecretNotFoundError` or `SecretUnavailableError`. */
  get(name: string): Promise<SecretValue>;
  /** Drop the cached copy so the next `get` reads the source again (e.g. after the upstream rejected it). */
  invalidate(name: string): void;
  /** True when the source can serve secrets now. Never rejects. */
  ready(): Promise<boolean>;
  /** Stop timers and release credentials. `get` afterwards is a `TypeError`. */
  close(): Promise<void>;
}
