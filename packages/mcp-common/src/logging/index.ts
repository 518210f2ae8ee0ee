export type { AuditEvent, AuditLogger, LogFields, Logger } from './types.ts';
