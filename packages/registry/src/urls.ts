/**
 * URLs and audiences derived from a registry entry — never written down twice.
 *
 * @module
 */
import type { PlatformService, ServerEntry } from './types.ts';

type Addressable = Pick<ServerEntry | PlatformService, 'name' | 'port' | 'path'>;

/**
 * The loopback URL `pnpm start` serves (also the default public URL and token
 * audience of a local run).
 *
 * @example
 * ```ts
 * localUrl(serverByKey('network')); // 'http://127.0.0.1:8101/mcp'
 * localUrl(REST_PROXY, 9080);       // 'http://127.0.0.1:9080'
 * ```
 */
export function localUrl(entry: Addressable, port: number = entry.port): string {
  return `http://127.0.0.1:${String(port)}${entry.path}`;
}

/**
 * The in-cluster URL (compose and Kubernetes service name), the server's
 * `PUBLIC_URL` — and so its token audience — there.
 *
 * @example
 * ```ts
 * clusterUrl(serverByKey('itsm')); // 'http://mcp-itsm:8102/mcp'
 * ```
 */
export function clusterUrl(entry: Addressable): string {
  return `http://${entry.name}:${String(entry.port)}${entry.path}`;
}

/**
 * Every resource identifier a token for this entry may carry in `aud`:
 * loopback and in-cluster (the Keycloak realm maps both).
 *
 * @example
 * ```ts
 * audiences(serverByKey('github')); // ['http://127.0.0.1:8103/mcp', 'http://mcp-github:8103/mcp']
 * ```
 */
export function audiences(entry: Addressable): string[] {
  return [localUrl(entry), clusterUrl(entry)];
}

/**
 * The `pnpm start` environment variable that moves an entry's port: `MCP_NETWORK_PORT`, `REST_PROXY_PORT`.
 *
 * @example
 * ```ts
 * portEnv(serverByKey('network')); // 'MCP_NETWORK_PORT'
 * ```
 */
export function portEnv(entry: Pick<ServerEntry, 'name'>): string {
  return `${entry.name.toUpperCase().replace(/-/g, '_')}_PORT`;
}

/**
 * The Vault KV v2 data path of a secret name (mount `secret`).
 *
 * @example
 * ```ts
 * vaultDataPath('servicenow'); // 'secret/data/mcp/servicenow'
 * ```
 */
export function vaultDataPath(secret: string): string {
  return `secret/data/mcp/${secret}`;
}
