export { PlatformError, isPlatformError, platformErrorOf, type PlatformErrorCode, type PlatformErrorOptions } from './base.ts';
