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
import { startCatalystCenterSimulator } from '../catalyst-center/index.ts';
import { intFromEnv, stdoutLogger, stopOnSignals } from '../internal/bin.ts';

const logger = stdoutLogger('catalyst-center-sim');

const port = intFromEnv(logger, 'CATALYST_SIM_PORT', 9401);
const taskDurationMs = intFromEnv(logger, 'CATALYST_SIM_TASK_DURATION_MS', 2000, 0, 600_000);
const host = process.env['CATALYST_SIM_HOST'] || '127.0.0.1';
const username = process.env['CATALYST_SIM_USERNAME'] || 'admin';
const password = process.env['CATALYST_SIM_PASSWORD'] || 'dev-only-catalyst-password';

const sim = await startCatalystCenterSimulator({ port, host, username, password, taskDurationMs, logger });
logger.info('catalyst-center simulator ready', { url: { full: sim.url }, user: { name: username } });
stopOnSignals(() => sim.stop());
