/** Options of one {@link ResourceLock.withLock} call. */
export interface WithLockOptions {
  /** Longest time to wait for the locks, in ms. Default: the lock's `waitMs`. */
  waitMs?: number;
  /**
   * Time after which a lock held by a crashed holder frees itself, in ms (Redis only; the
   * in-process lock is freed when `fn` settles). Default: the lock's `ttlMs`.
   */
  ttlMs?: number;
  /** Aborts the wait (not `fn`). */
  signal?: AbortSignal;
}

/**
 * Mutual exclusion per resource key, so that what the policy decided on and what a
 * handler writes are the same version of a resource. In-process for one replica,
 * Redis-backed when replicas share state (`REDIS_URL`).
 */
export interface ResourceLock {
  /** `memory` (one process) or `redis` (shared by every replica using the same Redis). */
  readonly kind: 'memory' | 'redis';
  /**
   * Runs `fn` while holding the locks on all `keys` (deduplicated, taken in sorted order so two
   * callers never deadlock), and releases them when `fn` settles.
   *
   * @throws ResourceBusyError when the locks are not obtained within `waitMs`.
   * @throws LockUnavailableError when the lock store cannot be reached.
   */
  withLock<T>(keys: readonly string[], fn: () => Promise<T>, options?: WithLockOptions): Promise<T>;
  /** True when the lock store answers (always true in process). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** Defaults shared by both implementations. */
export interface ResourceLockDefaults {
  /** Longest wait for a lock, in ms. Default 10000. */
  waitMs?: number;
  /** Expiry of a Redis lock whose holder died, in ms. Default 70000 (a tool call's deadline is 60 s). */
  ttlMs?: number;
}

export const DEFAULT_WAIT_MS = 10_000;
export const DEFAULT_TTL_MS = 70_000;

/** Sorted, deduplicated keys; a TypeError for misuse. */
export function normalizeKeys(keys: readonly string[]): string[] {
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError('withLock: keys must be a non-empty array');
  for (const k of keys) if (typeof k !== 'string' || k === '') throw new TypeError('withLock: every key must be a non-empty string');
  return [...new Set(keys)].sort();
}
