import { ConfigError } from '../config/index.ts';
import { exitOnSignals } from './bootstrap.ts';

/**
 * The whole of a service's `src/main.ts`: load the configuration, start, drain on
 * SIGTERM/SIGINT. A bad configuration (or any start-up failure) prints one JSON line
 * on stderr naming the problem — the logger does not exist yet — and exits 1.
 *
 * @example
 * ```ts
 * await runServerMain('mcp-network', () => startNetworkServer(loadConfig(process.env)));
 * ```
 */
export async function runServerMain(service: string, start: () => Promise<{ close(): Promise<void>; drain?: () => Promise<void> }>): Promise<void> {
  try {
    exitOnSignals(await start());
  } catch (err) {
    const message = err instanceof ConfigError ? err.message : `${service} failed to start: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': 'error', message, service: { name: service } })}\n`);
    process.exit(1);
  }
}
