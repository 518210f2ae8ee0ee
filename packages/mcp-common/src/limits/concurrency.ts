/** A held slot; call once when the work ends (extra calls are ignored). */
export type Release = () => void;

/** Counts work in flight per key, refusing above the cap. */
export interface ConcurrencyLimiter {
  readonly limit: number;
  /**
   * `weight` slots for `key` (default 1; a heavy call takes more, capped at `limit`), or
   * `undefined` when they would take `key` above `limit`.
   */
  tryAcquire(key: string, weight?: number): Release | undefined;
  /** Work in flight now for `key`. */
  inFlight(key: string): number;
}

/**
 * An in-process concurrency cap per key (a principal, or one key for the
 * whole process as a global in-flight cap). Kept per replica on purpose:
 * concurrency protects this process's event loop and upstream sockets, and a
 * cross-replica count would need leases that leak when a replica dies. Memory
 * is bounded: a key's entry is dropped when its count returns to zero.
 *
 * @example
 * ```ts
 * const perUser = createConcurrencyLimiter(8);
 * const slot = perUser.tryAcquire('user:alice'); // a heavy call: perUser.tryAcquire('user:alice', 4)
 * if (!slot) return refuse();
 * res.once('close', slot);
 * ```
 */
export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
  const counts = new Map<string, number>();
  return {
    limit,
    tryAcquire(key, weight = 1) {
      if (!Number.isInteger(weight) || weight < 1) throw new TypeError('weight must be a positive integer');
      const w = Math.min(weight, limit);
      const current = counts.get(key) ?? 0;
      if (current + w > limit) return undefined;
      counts.set(key, current + w);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const n = (counts.get(key) ?? w) - w;
        if (n <= 0) counts.delete(key);
        else counts.set(key, n);
      };
    },
    inFlight: (key) => counts.get(key) ?? 0,
  };
}
