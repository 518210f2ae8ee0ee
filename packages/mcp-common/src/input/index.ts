/**
 * Hostile-input guards shared by every surface: JSON depth before parsing, and argument checks
 * (valid Unicode, no whitespace-only strings, bounded arrays, strings and nesting) before a tool runs.
 *
 * @example
 * ```ts
 * import { jsonDepthGuard, assertArgumentsSafe } from '@mcp-platform/mcp-common/input';
 * ```
 */
export { DEFAULT_MAX_JSON_DEPTH, assertJsonDepth, jsonDepthGuard } from './json-depth.ts';
export { DEFAULT_ARGUMENT_LIMITS, assertArgumentsSafe, findHostileArgument, type ArgumentLimits } from './arguments.ts';
