// Wiring only: config → spine → Catalyst Center client → tools → listen; drain on SIGTERM.
import './tracing.ts';
import { runServerMain } from '@mcp-platform/mcp-common/server';
import { startNetworkServer } from './app.ts';
import { loadConfig } from './config.ts';

await runServerMain('mcp-network', () => startNetworkServer(loadConfig(process.env)));
