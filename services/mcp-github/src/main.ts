// Wiring only: config → spine → GitHub client → tools → listen; drain on SIGTERM.
import './tracing.ts';
import { runServerMain } from '@mcp-platform/mcp-common/server';
import { startGitHubServer } from './app.ts';
import { loadConfig } from './config.ts';

await runServerMain('mcp-github', () => startGitHubServer(loadConfig(process.env)));
