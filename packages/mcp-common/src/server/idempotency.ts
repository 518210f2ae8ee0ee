import { createHash } from 'node:crypto';

/** Default window in which a repeated identical create is recognised as a retry: 10 minutes. */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 600_000;

/** What {@link idempotencyKeys} returns. */
export interface IdempotencyKeys {
  /** Store this on the created record (`correlation_id`, a marker…). */
  key: string;
  /** Keys that also mean "this create already happened": the caller's key alone, or the current and previous window's generated keys. */
  matches: string[];
  /** A stable per-call identity to lock on while looking up and creating (same for every window). */
  lockKey: string;
}

/** Canonical JSON: object keys sorted at every level, so argument order never changes the key. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Idempotency keys of one create. With a caller-given key, that key. Without one, a key
 * generated from who asks, which tool, and the canonical arguments, per time window: the same
 * call repeated (a client retry after a lost answer) within `windowMs` — at least one whole
 * window, at most two — matches the first one, so it returns the record instead of creating a
 * second. Generated keys look like `auto-<32 hex>-<window>` and fit ServiceNow's
 * `correlation_id`.
 *
 * @example
 * ```ts
 * const { key, matches, lockKey } = idempotencyKeys({ given: args.correlation_id, subject: principal.id, tool: 'create_incident', args });
 * await sn.createIncident(fields, { correlationId: key, matchCorrelationIds: matches });
 * ```
 */
export function idempotencyKeys(input: {
  /** The caller's own key, when given (then used as is). */
  given?: string | undefined;
  /** The principal's id. */
  subject: string;
  tool: string;
  /** The validated arguments (the caller's key, if any, is left out of the hash). */
  args: Readonly<Record<string, unknown>>;
  /** Epoch ms. Default `Date.now()`. */
  now?: number;
  /** Window length in ms. Default {@link DEFAULT_IDEMPOTENCY_WINDOW_MS}. */
  windowMs?: number;
  /** Argument names left out of the hash (the caller-key field). Default `['correlation_id']`. */
  exclude?: readonly string[];
}): IdempotencyKeys {
  if (input.given !== undefined) return { key: input.given, matches: [input.given], lockKey: `given:${input.given}` };
  const windowMs = input.windowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS;
  if (!Number.isInteger(windowMs) || windowMs < 1000) throw new TypeError('windowMs must be an integer >= 1000');
  const exclude = new Set(input.exclude ?? ['correlation_id']);
  const args = Object.fromEntries(Object.entries(input.args).filter(([k]) => !exclude.has(k)));
  const hash = createHash('sha256').update(canonical([input.subject, input.tool, args])).digest('hex').slice(0, 32);
  const window = Math.floor((input.now ?? Date.now()) / windowMs);
  const key = `auto-${hash}-${window.toString(36)}`;
  return { key, matches: [key, `auto-${hash}-${(window - 1).toString(36)}`], lockKey: `auto:${hash}` };
}
