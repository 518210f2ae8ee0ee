import { DEFAULT_IDEMPOTENCY_WINDOW_MS, idempotencyKeys, type IdempotencyKeys } from '@mcp-platform/mcp-common/server';

/**
 * Idempotent creates on GitHub, which has no correlation id field: the create's idempotency key
 * (caller + tool + canonical arguments per 10-minute window, `idempotencyKeys` of the spine) travels
 * as an HTML comment at the end of the body — invisible where GitHub renders Markdown — and the
 * lookup before a create lists what was updated since the start of the previous window (the list
 * endpoints, not search: GitHub's search index lags writes) and returns the item carrying either
 * window's key. Identical creates serialise on the key's lock (`lockKeys`), so a concurrent retry
 * finds the first one.
 */
const MARKER = /\n*<!-- mcp-platform:idempotency-key ([A-Za-z0-9._:-]{1,120}) -->\s*$/;

/** The marker line for `key`. */
export const markerOf = (key: string): string => `<!-- mcp-platform:idempotency-key ${key} -->`;

/** `body` with the key's marker appended. */
export const withMarker = (body: string | undefined, key: string): string => `${body === undefined || body === '' ? '' : `${body}\n\n`}${markerOf(key)}`;

/** `body` without a trailing marker (what the caller wrote). */
export const withoutMarker = <T extends string | null>(body: T): T => (body === null ? body : (body.replace(MARKER, '') as T));

/** Whether `body` ends with the marker of one of `keys`. */
export const carriesKey = (body: string | null, keys: readonly string[]): boolean => {
  const found = body === null ? null : MARKER.exec(body);
  return found !== null && keys.includes(found[1] ?? '');
};

/** Keys of one create and the earliest update time an earlier identical create can have (ISO 8601). */
export function createKeys(subject: string, tool: string, args: Readonly<Record<string, unknown>>, now = Date.now()): IdempotencyKeys & { since: string } {
  const keys = idempotencyKeys({ subject, tool, args, now, exclude: [] });
  const windowStart = Math.floor(now / DEFAULT_IDEMPOTENCY_WINDOW_MS) * DEFAULT_IDEMPOTENCY_WINDOW_MS;
  return { ...keys, since: new Date(windowStart - DEFAULT_IDEMPOTENCY_WINDOW_MS).toISOString() };
}
