/**
 * `@mcp-platform/registry` — the one list of the platform's servers.
 *
 * @example
 * ```ts
 * import { backendServers, localUrl } from '@mcp-platform/registry';
 * const backends = Object.fromEntries(backendServers().map((s) => [s.key, localUrl(s)]));
 * ```
 * @module
 */
export { REST_PROXY, SERVERS, WORKERS } from './servers.ts';
export { backendServers, serverByKey, serverByName, simulators, UnknownServerError, type SimulatorUse } from './lookup.ts';
export { audiences, clusterUrl, localUrl, portEnv, vaultDataPath } from './urls.ts';
export type { PlatformService, ServerEntry, Simulator, Upstream, VaultIdentity, WorkerEntry } from './types.ts';
