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
import { startServiceNowSimulator, type ServiceNowSimLogger } from '../servicenow/index.ts';

function line(level: string, message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': level, message, 'service.name': 'servicenow-sim', ...fields })}\n`);
}

const logger: ServiceNowSimLogger = {
  info: (m, f) => line('info', m, f),
  warn: (m, f) => line('warn', m, f),
  error: (m, f) => line('error', m, f),
};

const portText = process.env['SERVICENOW_SIM_PORT'];
const port = portText === undefined || portText === '' ? 9402 : Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  line('error', 'SERVICENOW_SIM_PORT must be an integer between 0 and 65535');
  process.exit(1);
}
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
line('info', 'servicenow simulator ready', { url: { full: sim.url }, user: { name: username } });

const shutdown = (): void => {
  void sim.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
