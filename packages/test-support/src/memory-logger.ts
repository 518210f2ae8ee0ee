// Structurally identical to @mcp-platform/mcp-common/logging's types; declared here so that
// test-support stays a leaf package (mcp-common's own tests depend on it).
type LogFields = Record<string, unknown>;
interface AuditEvent {
  action: string;
  category: string[];
  type?: string[];
  outcome: 'success' | 'failure' | 'unknown';
  durationNs?: number;
  reason?: string;
  fields?: LogFields;
}

/** One captured line of a {@link MemoryLogger}. */
export interface CapturedLine {
  level: 'error' | 'warn' | 'info' | 'debug' | 'audit';
  message: string;
  fields: LogFields;
}

/**
 * An in-memory Logger + AuditLogger for unit tests: asserts on what was logged
 * without parsing stdout. Integration tests use the real ECS logger instead.
 */
export class MemoryLogger {
  readonly lines: CapturedLine[];
  private readonly bound: LogFields;

  constructor(lines: CapturedLine[] = [], bound: LogFields = {}) {
    this.lines = lines;
    this.bound = bound;
  }

  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', message, fields: { ...this.bound, ...fields } });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields: { ...this.bound, ...fields } });
  }
  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields: { ...this.bound, ...fields } });
  }
  debug(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'debug', message, fields: { ...this.bound, ...fields } });
  }
  child(fields: LogFields): MemoryLogger {
    return new MemoryLogger(this.lines, { ...this.bound, ...fields });
  }
  audit(event: AuditEvent): void {
    this.lines.push({ level: 'audit', message: event.action, fields: { ...this.bound, event } });
  }
  /** Audit events with the given action. */
  audits(action?: string): AuditEvent[] {
    return this.lines
      .filter((l) => l.level === 'audit')
      .map((l) => l.fields['event'] as AuditEvent)
      .filter((e) => action === undefined || e.action === action);
  }
  /** Everything logged, serialized — for "no secret anywhere" assertions. */
  text(): string {
    return JSON.stringify(this.lines);
  }
}
