// `pnpm --filter @mcp-platform/deploy-worker bundle [path]`: writes the workflow bundle the image ships
// (default dist/workflow-bundle.js); the worker loads it through WORKFLOW_BUNDLE_PATH.
import { fileURLToPath } from 'node:url';
import { writeWorkflowBundle } from './worker.ts';

const target = process.argv[2] ?? fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));
await writeWorkflowBundle(target);
process.stdout.write(`${JSON.stringify({ message: 'workflow bundle written', 'file.path': target })}\n`);
