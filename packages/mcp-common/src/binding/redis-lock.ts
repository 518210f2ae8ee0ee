import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from '../redis/index.ts';
import { LockUnavailableError, ResourceBusyError } from './errors.ts';
import { DEFAULT_TTL_MS, DEFAULT_WAIT_MS, normalizeKeys, type ResourceLock, type ResourceLockDefaults, type WithLockOptions } from './types.ts';

/** Options of {@link createRedisResourceLock}. */
export interface RedisResourceLockOptions extends ResourceLockDefaults {
  /** The process's Redis connection (`createRedisConnection`); owned and closed by its creator, not by the lock. */
  redis: RedisConnection;
  /** Key prefix. Default `mcp:lock:`. */
  prefix?: string;
}

// Delete the key only if it still holds our token (https://redis.io/docs/latest/commands/set/ — "Patterns").
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A {@link ResourceLock} shared by every replica using the same Redis: the single-instance
 * lock pattern from the Redis documentation — `SET key <random token> NX PX <ttl>` to take it,
 * a Lua compare-and-delete to release it (so a holder whose lock expired never frees someone
 * else's). Waiting callers poll with jittered back-off (20–80 ms). A Redis error is a
 * {@link LockUnavailableError}: the write does not happen (fail closed).
 *
 * Not Redlock: one Redis (or a primary with replicas) is the store; a failover that loses a
 * just-written key can let two holders in once. The platform's writes also compare versions
 * where the upstream offers them, which covers that window.
 *
 * @example
 * ```ts
 * const lock = createRedisResourceLock({ redis: await createRedisConnection({ url, logger }) });
 * await lock.withLock(['itsm:change_request:c2a…'], async () => write());
 * ```
 */
export function createRedisResourceLock(options: RedisResourceLockOptions): ResourceLock {
  const redis = options.redis.client;
  const prefix = options.prefix ?? 'mcp:lock:';

  const command = async (args: string[]): Promise<unknown> => {
    try {
      return await redis.sendCommand(args);
    } catch (err) {
      throw new LockUnavailableError({ cause: err });
    }
  };

  const release = async (key: string, token: string): Promise<void> => {
    // Best effort: if Redis is gone the key expires by itself after its TTL.
    await redis.sendCommand(['EVAL', RELEASE, '1', prefix + key, token]).catch(() => undefined);
  };

  return {
    kind: 'redis',
    async withLock<T>(keys: readonly string[], fn: () => Promise<T>, opts: WithLockOptions = {}): Promise<T> {
      const sorted = normalizeKeys(keys);
      const ttlMs = opts.ttlMs ?? options.ttlMs ?? DEFAULT_TTL_MS;
      const deadline = Date.now() + (opts.waitMs ?? options.waitMs ?? DEFAULT_WAIT_MS);
      const token = randomBytes(16).toString('hex');
      const held: string[] = [];
      try {
        for (const key of sorted) {
          for (;;) {
            const ok = await command(['SET', prefix + key, token, 'NX', 'PX', String(ttlMs)]);
            if (ok === 'OK') break;
            if (opts.signal?.aborted || Date.now() >= deadline) throw new ResourceBusyError();
            await sleep(20 + Math.floor(Math.random() * 60));
          }
          held.push(key);
        }
        return await fn();
      } finally {
        await Promise.all(held.map((key) => release(key, token)));
      }
    },
    ready: () => options.redis.ready(),
    // The connection belongs to whoever created it (the spine closes it at shutdown).
    close: () => Promise.resolve(),
  };
}
