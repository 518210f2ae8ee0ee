// Wiring only: config → gateway (logger, verifier, token exchange, backend pool, health, gateway rule) → listen; drain on SIGTERM.
import './tracing.ts';
import { runServerMain } from '@mcp-platform/mcp-common/server';
import { startGateway } from './app.ts';
import { loadConfig } from './config.ts';

await runServerMain('mcp-gateway', () => startGateway(loadConfig(process.env)));
