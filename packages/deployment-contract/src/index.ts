/**
 * The contract between the deploy worker and its clients (mcp-network's deployment tools and
 * tasks, the operator CLI): the workflow type and task queue, payload types, the Update/Query/Signal
 * definitions, the Temporal connection settings and the typed deployment client. mcp-network depends
 * on this package, not on the worker.
 *
 * @module
 */
export * from './types.ts';
export * from './definitions.ts';
export { summarize } from './summary.ts';
export { DEFAULT_WORKER_AUDIENCE, temporalEnv, temporalRules, type TemporalConfig } from './config.ts';
export { connectClient, temporalTls } from './connection.ts';
export { createDeploymentClient, DeploymentActionRefusedError, IdempotencyConflictError, PROGRESS_QUERY_TIMEOUT_MS, type DeploymentClient, type DeploymentStatusView } from './client.ts';
