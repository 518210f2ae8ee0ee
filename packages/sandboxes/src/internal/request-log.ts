/** Default of each simulator's `requestLogLimit`: how many of the newest requests `state.requests` keeps. */
export const DEFAULT_REQUEST_LOG_LIMIT = 10_000;

/**
 * The `requestLogLimit` option checked: a positive integer, default {@link DEFAULT_REQUEST_LOG_LIMIT}.
 * A wrong value is a caller's mistake (`TypeError` naming the option).
 */
export function requestLogLimit(limit: number | undefined, simulator: string): number {
  const value = limit ?? DEFAULT_REQUEST_LOG_LIMIT;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${simulator}: requestLogLimit must be a positive integer`);
  return value;
}

/**
 * Appends one request to a simulator's `state.requests` and drops the oldest beyond `limit`: a simulator that
 * serves `pnpm start`, `pnpm chaos` or a benchmark for hours keeps its newest `limit` requests, not every one.
 * The log stays a plain array in arrival order, so tests read it as before (`filter`, `length`, `slice(mark)`
 * within fewer than `limit` requests, `length = 0` to reset).
 */
export function appendRequest<T>(log: T[], entry: T, limit: number): void {
  log.push(entry);
  // Usually one step; shift() on a V8 array moves its start instead of copying the rest.
  while (log.length > limit) log.shift();
}
