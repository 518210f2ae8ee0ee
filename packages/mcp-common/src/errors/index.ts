export { PlatformError, isPlatformError, platformErrorOf, type PlatformErrorOptions } from './base.ts';
export { ERROR_CODES, errorCodeInfo, isPlatformErrorCode, problemTypeOf, type ErrorCodeInfo, type PlatformErrorCode } from './codes.ts';
