// Wiring only: config → proxy (logger, verifier, token exchange, backend pool, rate limiter) → listen; drain on SIGTERM.
import './tracing.ts';
import { runServerMain } from '@mcp-platform/mcp-common/server';
import { startRestProxy } from './app.ts';
import { loadConfig } from './config.ts';

await runServerMain('rest-proxy', () => startRestProxy(loadConfig(process.env)));
