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
import { startGitHubSimulator, type GitHubSimLogger } from '../github/index.ts';

function line(level: string, message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': level, message, 'service.name': 'github-sim', ...fields })}\n`);
}

const logger: GitHubSimLogger = {
  info: (m, f) => line('info', m, f),
  warn: (m, f) => line('warn', m, f),
  error: (m, f) => line('error', m, f),
};

const portText = process.env['GITHUB_SIM_PORT'] || '9403';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  line('error', 'GITHUB_SIM_PORT must be an integer between 0 and 65535');
  process.exit(1);
}
const host = process.env['GITHUB_SIM_HOST'] || '127.0.0.1';
const token = process.env['GITHUB_SIM_TOKEN'] || 'dev-only-github-token';

const sim = await startGitHubSimulator({ port, host, token, logger });
line('info', 'github simulator ready', { url: { full: sim.url } });

const shutdown = (): void => {
  void sim.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
