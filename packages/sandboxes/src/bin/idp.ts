/**
 * Runs the development identity provider on its own:
 * `IDP_PORT` (default 9400), `IDP_ISSUER` (default `http://127.0.0.1:<port>`),
 * `IDP_HOST` (default 127.0.0.1). Logs one JSON object a line on stdout.
 *
 * @example
 * ```sh
 * IDP_PORT=9400 pnpm exec tsx packages/sandboxes/src/bin/idp.ts
 * ```
 */
import { startIdentityProvider, type IdpLogger } from '../idp/index.ts';

function line(level: string, message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': level, message, 'service.name': 'dev-idp', ...fields })}\n`);
}

const logger: IdpLogger = {
  info: (m, f) => line('info', m, f),
  warn: (m, f) => line('warn', m, f),
  error: (m, f) => line('error', m, f),
};

const portText = process.env['IDP_PORT'] ?? '9400';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  line('error', 'IDP_PORT must be an integer between 0 and 65535');
  process.exit(1);
}
const issuer = process.env['IDP_ISSUER'];
const host = process.env['IDP_HOST'] ?? '127.0.0.1';

const idp = await startIdentityProvider({ port, host, logger, ...(issuer === undefined || issuer === '' ? {} : { issuer }) });

const shutdown = (): void => {
  void idp.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
