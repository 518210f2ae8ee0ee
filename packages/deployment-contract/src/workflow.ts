/**
 * The workflow-safe face of the contract: payload types and the Update/Query/Signal definitions,
 * nothing that does I/O — the only `@mcp-platform/*` import the workflow's determinism fence allows.
 *
 * @module
 */
export * from './types.ts';
export * from './definitions.ts';
export { summarize } from './summary.ts';
