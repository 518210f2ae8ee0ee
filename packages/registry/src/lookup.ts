/**
 * Finding entries by key or name, with a clear error on a typo.
 *
 * @module
 */
import { SERVERS } from './servers.ts';
import type { ServerEntry, Simulator } from './types.ts';

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

/** An upstream simulator and the servers that front it (servers on the same API share one). */
export interface SimulatorUse {
  readonly simulator: Simulator;
  /** The upstream's human name, e.g. `Catalyst Center`. */
  readonly label: string;
  /** Its servers in registry order; the first one is the one it is started (and listed) with. */
  readonly servers: readonly ServerEntry[];
}

/**
 * Each upstream simulator once, in the order of the first server that uses it — what `pnpm start`
 * runs (a shared simulator is one process) and lists.
 *
 * @example
 * ```ts
 * simulators().find((u) => u.simulator.name === 'catalyst-center-sim')?.servers.map((s) => s.key); // ['network', 'analysis']
 * ```
 */
export function simulators(servers: readonly ServerEntry[] = SERVERS): SimulatorUse[] {
  const byName = new Map<string, { simulator: Simulator; label: string; servers: ServerEntry[] }>();
  for (const s of servers) {
    if (s.upstream === undefined) continue;
    const use = byName.get(s.upstream.simulator.name);
    if (use === undefined) byName.set(s.upstream.simulator.name, { simulator: s.upstream.simulator, label: s.upstream.label, servers: [s] });
    else use.servers.push(s);
  }
  return [...byName.values()];
}
