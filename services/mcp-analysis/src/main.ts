// Wiring only: config → spine → Catalyst Center client → tools → listen; drain on SIGTERM.
import './tracing.ts';
import { runServerMain } from '@mcp-platform/mcp-common/server';
import { startAnalysisServer } from './app.ts';
import { loadConfig } from './config.ts';

await runServerMain('mcp-analysis', () => startAnalysisServer(loadConfig(process.env)));
