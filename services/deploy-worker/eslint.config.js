// The repository's lint configuration, plus the determinism fence around workflow code:
// workflow files run in Temporal's deterministic sandbox and are replayed from history, so
// they may not import Node built-ins or anything that does I/O, and see activities as types only.
import rootConfig from '../../eslint.config.js';

const nodeBuiltins = ['assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib'];

export default [
  // Root blocks keep matching repository-relative globs (services/*/src/**…).
  ...rootConfig.map((block) => ({ ...block, basePath: '../..' })),
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins (do I/O in an activity).' })),
          patterns: [
            { group: ['node:*'], message: 'Workflow code is deterministic: no Node built-ins (do I/O in an activity).' },
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'], message: 'Workflow code may only use @temporalio/workflow and @temporalio/common.' },
            { group: ['undici', 'winston', 'express', 'node-vault', '@octokit/*', 'zod'], message: 'No I/O (or heavy) packages in workflow code: call an activity.' },
            // Of the workspace's packages only the contract's workflow-safe face (payload types, Update/Query/Signal definitions).
            { regex: '^@mcp-platform/(?!deployment-contract/workflow$)', message: 'Workflow code imports only @mcp-platform/deployment-contract/workflow of the workspace: call an activity.' },
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Workflows import activities as types only (proxyActivities<typeof …>).' },
            { group: ['../worker*', '../client*', '../main*', '../config*', '../deps*', '../connection*', '../cli*'], message: 'Workflow code may not import the worker shell.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'No process in workflow code.' }, { name: 'fetch', message: 'No I/O in workflow code.' }, { name: 'require', message: 'No require in workflow code.' }],
    },
  },
];
