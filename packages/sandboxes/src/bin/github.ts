/**
 * Runs the GitHub simulator on its own:
 * `GITHUB_SIM_PORT` (default 9403), `GITHUB_SIM_HOST` (default 127.0.0.1),
 * `GITHUB_SIM_TOKEN` (dev default `dev-only-github-token`).
 * Logs one JSON object a line on stdout; the token is never logged.
 *
 * @example
 * ```sh
 * GITHUB_SIM_PORT=9403 pnpm --filter @mcp-platform/sandboxes exec tsx src/bin/github.ts
 * curl -s -H 'Authorization: Bearer dev-only-github-token' http://127.0.0.1:9403/orgs/acme-net/repos
 * ```
 */
import { startGitHubSimulator } from '../github/index.ts';
import { intFromEnv, stdoutLogger, stopOnSignals } from '../internal/bin.ts';

const logger = stdoutLogger('github-sim');
const port = intFromEnv(logger, 'GITHUB_SIM_PORT', 9403);
const host = process.env['GITHUB_SIM_HOST'] || '127.0.0.1';
const token = process.env['GITHUB_SIM_TOKEN'] || 'dev-only-github-token';

const sim = await startGitHubSimulator({ port, host, token, logger });
logger.info('github simulator ready', { url: { full: sim.url } });
stopOnSignals(() => sim.stop());
