/**
 * Hostile-input guards shared by every surface: JSON depth before parsing, and argument checks
 * (valid Unicode, no whitespace-only strings, bounded arrays, strings and nesting) before a tool runs —
 * the tool runner applies those itself; a tool only sets its `inputLimits`.
 *
 * @example
 * ```ts
 * import { jsonDepthGuard } from '@mcp-platform/mcp-common/input';
 * ```
 */
export { DEFAULT_MAX_JSON_DEPTH, jsonDepthGuard } from './json-depth.ts';
export { DEFAULT_ARGUMENT_LIMITS, type ArgumentLimits } from './arguments.ts';
