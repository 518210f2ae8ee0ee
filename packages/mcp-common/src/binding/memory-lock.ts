import { ResourceBusyError } from './errors.ts';
import { DEFAULT_WAIT_MS, normalizeKeys, type ResourceLock, type ResourceLockDefaults, type WithLockOptions } from './types.ts';

/**
 * A {@link ResourceLock} inside one process: a FIFO queue per key. Correct for a single
 * replica only; with more than one replica set `REDIS_URL` (see {@link createRedisResourceLock}).
 *
 * @example
 * ```ts
 * const lock = createMemoryResourceLock();
 * await lock.withLock(['itsm:incident:46d44a…'], async () => write());
 * ```
 */
export function createMemoryResourceLock(defaults: ResourceLockDefaults = {}): ResourceLock {
  const queues = new Map<string, Array<() => void>>();

  const release = (key: string): void => {
    const queue = queues.get(key);
    const next = queue?.shift();
    if (next) next();
    else queues.delete(key);
  };

  const acquire = (key: string, signal: AbortSignal): Promise<void> => {
    const queue = queues.get(key);
    if (queue === undefined) {
      queues.set(key, []);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        reject(new ResourceBusyError({ cause: signal.reason }));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  };

  return {
    kind: 'memory',
    async withLock<T>(keys: readonly string[], fn: () => Promise<T>, options: WithLockOptions = {}): Promise<T> {
      const sorted = normalizeKeys(keys);
      const waitSignal = AbortSignal.any([AbortSignal.timeout(options.waitMs ?? defaults.waitMs ?? DEFAULT_WAIT_MS), ...(options.signal ? [options.signal] : [])]);
      const held: string[] = [];
      try {
        for (const key of sorted) {
          await acquire(key, waitSignal);
          held.push(key);
        }
        return await fn();
      } finally {
        for (const key of held.reverse()) release(key);
      }
    },
    ready: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  };
}
