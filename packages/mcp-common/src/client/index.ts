/**
 * The platform as an MCP client: a pool of delegating clients for the platform's MCP servers,
 * used by the REST proxy and the MCP gateway (the caller's exchanged token is the bearer of
 * each request; one trace across the hop).
 *
 * @example
 * ```ts
 * import { createBackendPool } from '@mcp-platform/mcp-common/client';
 * ```
 */
export { createBackendPool, type Backend, type BackendInterceptor, type BackendCallOptions, type BackendHealth, type BackendPool, type BackendPoolOptions, type BackendTarget, type ReplicaHealth } from './backend-pool.ts';
export type { ReplicaReadiness } from './replica.ts';
export { delegationFromConfig, parseDelegationConfig, type DelegationConfig, type DelegationDeps, type DelegationSource } from './delegation.ts';
