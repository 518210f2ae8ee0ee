export { PlatformError, isPlatformError, type PlatformErrorCode, type PlatformErrorOptions } from './base.ts';
