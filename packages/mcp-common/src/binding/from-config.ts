import type { RedisConnection } from '../redis/index.ts';
import { createMemoryResourceLock } from './memory-lock.ts';
import { createRedisResourceLock } from './redis-lock.ts';
import type { ResourceLock } from './types.ts';

/** The configuration {@link resourceLockFromConfig} reads (`RESOURCE_LOCK_WAIT_MS`). */
export interface ResourceLockConfig {
  RESOURCE_LOCK_WAIT_MS: number;
}

/**
 * The server's resource lock: shared through the process's Redis connection (the spine opens
 * it when `REDIS_URL` is set) so every replica serializes on the same keys, in-process otherwise.
 *
 * @example
 * ```ts
 * const lock = resourceLockFromConfig(config, redis); // redis: RedisConnection | undefined
 * ```
 */
export function resourceLockFromConfig(config: ResourceLockConfig, redis: RedisConnection | undefined): ResourceLock {
  const defaults = { waitMs: config.RESOURCE_LOCK_WAIT_MS };
  return redis === undefined ? createMemoryResourceLock(defaults) : createRedisResourceLock({ ...defaults, redis });
}
