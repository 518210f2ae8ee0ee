/**
 * Runs the ServiceNow simulator on its own:
 * `SERVICENOW_SIM_PORT` (default 9402), `SERVICENOW_SIM_HOST` (default 127.0.0.1),
 * `SERVICENOW_SIM_USERNAME` / `SERVICENOW_SIM_PASSWORD` (dev defaults `admin` /
 * `dev-only-servicenow-password`), optional `SERVICENOW_SIM_OAUTH_CLIENT_ID` /
 * `SERVICENOW_SIM_OAUTH_CLIENT_SECRET`. Logs one JSON object a line on stdout; secrets are
 * never logged.
 *
 * @example
 * ```sh
 * SERVICENOW_SIM_PORT=9402 pnpm --filter @mcp-platform/sandboxes exec tsx src/bin/servicenow.ts
 * ```
 */
import { startServiceNowSimulator } from '../servicenow/index.ts';
import { intFromEnv, stdoutLogger, stopOnSignals } from '../internal/bin.ts';

const logger = stdoutLogger('servicenow-sim');
const port = intFromEnv(logger, 'SERVICENOW_SIM_PORT', 9402);
const host = process.env['SERVICENOW_SIM_HOST'] || '127.0.0.1';
const username = process.env['SERVICENOW_SIM_USERNAME'] || 'admin';
const password = process.env['SERVICENOW_SIM_PASSWORD'] || 'dev-only-servicenow-password';
const clientId = process.env['SERVICENOW_SIM_OAUTH_CLIENT_ID'];
const clientSecret = process.env['SERVICENOW_SIM_OAUTH_CLIENT_SECRET'];

const sim = await startServiceNowSimulator({
  port,
  host,
  username,
  password,
  logger,
  ...(clientId && clientSecret ? { oauthClient: { clientId, clientSecret } } : {}),
});
logger.info('servicenow simulator ready', { url: { full: sim.url }, user: { name: username } });
stopOnSignals(() => sim.stop());
