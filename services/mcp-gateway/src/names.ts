/**
 * Exposed tool names: `<server>__<tool>`. Every major MCP client accepts
 * `^[a-zA-Z0-9_-]{1,64}$` (some reject dots), so the separator is a double
 * underscore and server names never contain an underscore.
 */

/** What every exposed tool name must match. */
export const EXPOSED_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** What a backend (server) name must match: lower-case, no underscore, so the first `__` splits unambiguously. */
export const SERVER_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The separator between server prefix and tool name. */
export const SEPARATOR = '__';

/**
 * The exposed name of `tool` on `server`, or undefined when it would not be a valid client-facing name.
 *
 * @example
 * ```ts
 * exposedName('network', 'get_device'); // 'network__get_device'
 * ```
 */
export function exposedName(server: string, tool: string): string | undefined {
  const name = `${server}${SEPARATOR}${tool}`;
  return EXPOSED_NAME.test(name) ? name : undefined;
}

/**
 * Splits an exposed name into server and tool; undefined when it has no `<server>__` prefix.
 *
 * @example
 * ```ts
 * splitExposedName('itsm__get_incident'); // { server: 'itsm', tool: 'get_incident' }
 * ```
 */
export function splitExposedName(name: string): { server: string; tool: string } | undefined {
  if (!EXPOSED_NAME.test(name)) return undefined;
  const i = name.indexOf(SEPARATOR);
  if (i <= 0) return undefined;
  const server = name.slice(0, i);
  const tool = name.slice(i + SEPARATOR.length);
  if (!SERVER_NAME.test(server) || tool === '') return undefined;
  return { server, tool };
}
