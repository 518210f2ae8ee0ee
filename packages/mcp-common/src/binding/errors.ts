import { PlatformError, type PlatformErrorOptions } from '../errors/index.ts';

/** Another call holds the lock on a resource this call needs, longer than the wait allowed. Retryable. */
export class ResourceBusyError extends PlatformError<'ERR_RESOURCE_BUSY'> {
  static readonly code = 'ERR_RESOURCE_BUSY';
  constructor(options: PlatformErrorOptions = {}) {
    super('ERR_RESOURCE_BUSY', 'The resource is being changed by another call; try again.', options);
  }
}

/** The resource changed between the policy decision and the write, so nothing was written. Retryable. */
export class ResourceChangedError extends PlatformError<'ERR_RESOURCE_CHANGED'> {
  static readonly code = 'ERR_RESOURCE_CHANGED';
  constructor(what: string, options: PlatformErrorOptions = {}) {
    super('ERR_RESOURCE_CHANGED', `${what} changed after the authorization decision; nothing was written. Read it again and retry.`, options);
  }
}

/** The shared lock store (Redis) cannot be reached: the write is refused (fail closed). Retryable. */
export class LockUnavailableError extends PlatformError<'ERR_LOCK_UNAVAILABLE'> {
  static readonly code = 'ERR_LOCK_UNAVAILABLE';
  constructor(options: PlatformErrorOptions = {}) {
    super('ERR_LOCK_UNAVAILABLE', 'The resource lock service is unavailable; nothing was written. Try again later.', options);
  }
}
