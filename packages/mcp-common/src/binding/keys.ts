/**
 * The lock key of one resource of one MCP server: a tool's `lockKeys` (e.g. `change_request:<sys_id>`) under
 * its server id (`itsm:change_request:<sys_id>`), as the spine's tool runner takes its locks. Another writer of
 * the same record (the deploy worker on a change) takes the same key, so the two exclude each other.
 *
 * @example
 * ```ts
 * await lock.withLock([serverLockKey('itsm', `change_request:${sysId}`)], write);
 * ```
 */
export function serverLockKey(serverId: string, key: string): string {
  return `${serverId}:${key}`;
}
