export { createMemoryResourceLock } from './memory-lock.ts';
export { createRedisResourceLock, type RedisResourceLockOptions } from './redis-lock.ts';
export { serverLockKey } from './keys.ts';
export { resourceLockFromConfig, type ResourceLockConfig } from './from-config.ts';
export { LockUnavailableError, ResourceBusyError, ResourceChangedError } from './errors.ts';
export type { ResourceLock, ResourceLockDefaults, WithLockOptions } from './types.ts';
