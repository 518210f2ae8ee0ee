/** The structured logger every sandbox writes to (structurally a subset of mcp-common's `Logger`). */
export interface SandboxLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (the default inside tests). */
export const silentLogger: SandboxLogger = { info() {}, warn() {}, error() {} };
