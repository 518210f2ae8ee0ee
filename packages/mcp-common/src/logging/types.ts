/** Structured fields attached to a log line; nested objects follow ECS field names (`event.action` → `{ event: { action } }`). */
export type LogFields = Record<string, unknown>;

/**
 * The logger every module receives (a thin face over winston with the ECS format).
 * Secrets never go in: redaction is a safety net, not a licence.
 */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ trace: { id } }`). */
  child(fields: LogFields): Logger;
}

/** One audit event (ECS `event.kind: event`). */
export interface AuditEvent {
  /** ECS `event.action`, e.g. `authz-decision`, `secret-read`, `tool-call`. */
  action: string;
  /** ECS `event.category`, e.g. `['iam']` for decisions, `['configuration']` for secret reads. */
  category: string[];
  /** ECS `event.type`, e.g. `['allowed']`, `['denied']`, `['access']`. */
  type?: string[];
  outcome: 'success' | 'failure' | 'unknown';
  /** Duration in nanoseconds (ECS `event.duration`). */
  durationNs?: number;
  /** ECS `event.reason`. */
  reason?: string;
  /** Extra ECS/custom fields merged into the line (`user`, `labels`, `mcp`, …). Never secret values. */
  fields?: LogFields;
}

/** The separate audit channel (its own `event.dataset`). */
export interface AuditLogger {
  audit(event: AuditEvent): void;
}
