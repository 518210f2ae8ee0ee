export type { AuditEvent, AuditLogger, LogFields, Logger } from './types.ts';
export { createLogger, type CreateLoggerOptions, type PlatformLogger } from './logger.ts';
export { deepMerge } from './merge.ts';
export { REDACTED, isSensitiveKey, redact, redactString, registerSecretValue } from './redact.ts';
export {
  contextFromHeaders,
  currentRequestContext,
  runWithRequestContext,
  traceparentOf,
  type RequestContext,
} from './context.ts';
