// Wiring only: config → spine → ServiceNow client → tools → listen; drain on SIGTERM.
import './tracing.ts';
import { runServerMain } from '@mcp-platform/mcp-common/server';
import { startItsmServer } from './app.ts';
import { loadConfig } from './config.ts';

await runServerMain('mcp-itsm', () => startItsmServer(loadConfig(process.env)));
