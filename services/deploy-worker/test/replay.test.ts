/**
 * Replays the committed workflow histories (test/histories/*.json, exported by
 * workflow.int.test.ts with UPDATE_HISTORIES=1) against the current workflow
 * code: a change that would break running workflows fails here. Use
 * `patched()` for intended changes to live workflows.
 */
import { readdir, readFile } from 'node:fs/promises';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../src/worker.ts';

const dir = new URL('./histories/', import.meta.url);
const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
}, 60_000);

describe('replay of committed histories', () => {
  it('has histories to replay', () => {
    expect(files).toEqual(expect.arrayContaining(['happy-path.json', 'failure-rollback.json', 'approval-timeout.json', 'self-approval-rejected.json']));
  });

  it('replays every history without non-determinism', async () => {
    const histories = await Promise.all(
      files.map(async (f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(await readFile(new URL(f, dir), 'utf8'))) })),
    );
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle, replayName: 'deploy-worker-replay' }, histories)) results.push(r);
    expect(results.map((r) => ({ id: r.workflowId, error: r.error?.message }))).toEqual(files.map((f) => ({ id: f.replace(/\.json$/, ''), error: undefined })));
  });
});
