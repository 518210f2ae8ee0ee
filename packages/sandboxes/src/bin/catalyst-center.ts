/**
 * Runs the Catalyst Center simulator on its own:
 * `CATALYST_SIM_PORT` (default 9401), `CATALYST_SIM_HOST` (default 127.0.0.1),
 * `CATALYST_SIM_USERNAME` / `CATALYST_SIM_PASSWORD` (dev defaults `admin` /
 * `dev-only-catalyst-password`), `CATALYST_SIM_TASK_DURATION_MS` (default 2000).
 * Logs one JSON object a line on stdout; the password is never logged.
 *
 * @example
 * ```sh
 * CATALYST_SIM_PORT=9401 pnpm --filter @mcp-platform/sandboxes exec tsx src/bin/catalyst-center.ts
 * ```
 */
import { startCatalystCenterSimulator, type CatalystSimLogger } from '../catalyst-center/index.ts';

function line(level: string, message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': level, message, 'service.name': 'catalyst-center-sim', ...fields })}\n`,
  );
}

const logger: CatalystSimLogger = {
  info: (m, f) => line('info', m, f),
  warn: (m, f) => line('warn', m, f),
  error: (m, f) => line('error', m, f),
};

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    line('error', `${name} must be an integer between ${min} and ${max}`);
    process.exit(1);
  }
  return value;
}

const port = intFromEnv('CATALYST_SIM_PORT', 9401, 0, 65_535);
const taskDurationMs = intFromEnv('CATALYST_SIM_TASK_DURATION_MS', 2000, 0, 600_000);
const host = process.env['CATALYST_SIM_HOST'] || '127.0.0.1';
const username = process.env['CATALYST_SIM_USERNAME'] || 'admin';
const password = process.env['CATALYST_SIM_PASSWORD'] || 'dev-only-catalyst-password';

const sim = await startCatalystCenterSimulator({ port, host, username, password, taskDurationMs, logger });
line('info', 'catalyst-center simulator ready', { url: { full: sim.url }, user: { name: username } });

const shutdown = (): void => {
  void sim.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
