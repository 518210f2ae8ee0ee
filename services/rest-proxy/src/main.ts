// Wiring only: config → proxy (logger, verifier, token exchange, backend pool, rate limiter) → listen; drain on SIGTERM.
import { ConfigError } from '@mcp-platform/mcp-common/config';
import { exitOnSignals } from '@mcp-platform/mcp-common/server';
import { startRestProxy } from './app.ts';
import { loadConfig } from './config.ts';

try {
  const config = loadConfig(process.env);
  exitOnSignals(await startRestProxy(config));
} catch (err) {
  // The logger does not exist yet when configuration fails: one JSON line on stderr, then exit.
  const message = err instanceof ConfigError ? err.message : `rest-proxy failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${JSON.stringify({ 'log.level': 'error', message, 'service.name': 'rest-proxy' })}\n`);
  process.exit(1);
}
