// Wiring only: config → spine → GitHub client → tools → listen; drain on SIGTERM.
import { ConfigError } from '@mcp-platform/mcp-common/config';
import { exitOnSignals } from '@mcp-platform/mcp-common/server';
import { startGitHubServer } from './app.ts';
import { loadConfig } from './config.ts';

try {
  const config = loadConfig(process.env);
  exitOnSignals(await startGitHubServer(config));
} catch (err) {
  // The logger does not exist yet when configuration fails: one JSON line on stderr, then exit.
  const message = err instanceof ConfigError ? err.message : `mcp-github failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${JSON.stringify({ 'log.level': 'error', message, 'service.name': 'mcp-github' })}\n`);
  process.exit(1);
}
