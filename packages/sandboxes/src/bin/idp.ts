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
import { startIdentityProvider } from '../idp/index.ts';
import { intFromEnv, stdoutLogger, stopOnSignals } from '../internal/bin.ts';

const logger = stdoutLogger('dev-idp');
const port = intFromEnv(logger, 'IDP_PORT', 9400);
const issuer = process.env['IDP_ISSUER'];
const host = process.env['IDP_HOST'] ?? '127.0.0.1';

const idp = await startIdentityProvider({ port, host, logger, ...(issuer === undefined || issuer === '' ? {} : { issuer }) });
stopOnSignals(() => idp.stop());
