/**
 * Finding entries by key or name, with a clear error on a typo.
 *
 * @module
 */
import { SERVERS } from './servers.ts';
import type { ServerEntry } from './types.ts';

/** A key or name that is not in the registry. */
export class UnknownServerError extends Error {
  static readonly code = 'ERR_UNKNOWN_SERVER';
  readonly code = UnknownServerError.code;
  constructor(what: string, known: readonly string[]) {
    super(`no server ${JSON.stringify(what)} in @mcp-platform/registry (known: ${known.join(', ')})`);
    this.name = new.target.name;
  }
}

/**
 * The entry whose policy key is `key`.
 *
 * @throws {UnknownServerError} when no entry has that key.
 * @example
 * ```ts
 * serverByKey('itsm').port; // 8102
 * ```
 */
export function serverByKey(key: string, servers: readonly ServerEntry[] = SERVERS): ServerEntry {
  const found = servers.find((s) => s.key === key);
  if (found === undefined) throw new UnknownServerError(key, servers.map((s) => s.key));
  return found;
}

/**
 * The entry whose service name is `name` (`services/<name>`).
 *
 * @throws {UnknownServerError} when no entry has that name.
 * @example
 * ```ts
 * serverByName('mcp-github').key; // 'github'
 * ```
 */
export function serverByName(name: string, servers: readonly ServerEntry[] = SERVERS): ServerEntry {
  const found = servers.find((s) => s.name === name);
  if (found === undefined) throw new UnknownServerError(name, servers.map((s) => s.name));
  return found;
}

/**
 * The servers that serve tools of their own: every entry but an aggregator
 * (`federates`, the gateway). These are the REST proxy's and the gateway's backends.
 *
 * @example
 * ```ts
 * backendServers().map((s) => s.key); // ['network', 'itsm', 'github', …] — no 'gateway'
 * ```
 */
export function backendServers(servers: readonly ServerEntry[] = SERVERS): ServerEntry[] {
  return servers.filter((s) => s.federates !== true);
}
