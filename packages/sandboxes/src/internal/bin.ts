/**
 * The shell of a runnable sandbox (`src/bin/*.ts`): JSON log lines on stdout, integer settings
 * from the environment (a bad one stops the process naming the variable), stop on SIGINT/SIGTERM.
 */
import type { SandboxLogger } from './logger.ts';

/** A logger writing one JSON object a line on stdout, tagged `service.name`. */
export function stdoutLogger(serviceName: string): SandboxLogger {
  const line = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    process.stdout.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': level, message, 'service.name': serviceName, ...fields })}\n`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

/** The integer in `name` (default `fallback`); outside `[min, max]` logs an error naming it and exits 1. */
export function intFromEnv(logger: SandboxLogger, name: string, fallback: number, min = 0, max = 65_535): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    logger.error(`${name} must be an integer between ${min} and ${max}`);
    process.exit(1);
  }
  return value;
}

/** Calls `stop()` then exits 0 on the first SIGINT or SIGTERM. */
export function stopOnSignals(stop: () => Promise<void>): void {
  const shutdown = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
