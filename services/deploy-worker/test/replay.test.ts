/**
 * Replays the committed workflow histories (test/histories/*.json, exported by
 * workflow.int.test.ts with UPDATE_HISTORIES=1) against the current workflow
 * code: a change that would break running workflows fails here. Use
 * `patched()` for intended changes to live workflows.
 *
 * `<name>.json` were recorded before the `verified-identities` patch (names in
 * the payload, signals) and must keep replaying on that path;
 * `verified-<name>.json` were recorded with verified credentials and Updates;
 * `progress-memo-<name>.json` with the `progress-memo` patch (summary in the memo);
 * `approval-records-<name>.json` with the `approval-records` patch too (the approve
 * and reject Updates record the decision in the change's approval records);
 * `approval-turns-<name>.json` with the `approval-turns` patch too (concurrent approvers re-check
 * whose turn it is after waking).
 */
import { readdir, readFile } from 'node:fs/promises';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../src/worker.ts';
import { WORKFLOW_TRACING_MODULES, workflowSpanSinks } from '../src/workflow-telemetry.ts';

const dir = new URL('./histories/', import.meta.url);
const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // The production bundle's workflow interceptors (tracing) too: they must not change what a history replays to.
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [...WORKFLOW_TRACING_MODULES], logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
}, 60_000);

describe('replay of committed histories', () => {
  it('has histories to replay', () => {
    const scenarios = ['happy-path', 'failure-rollback', 'approval-timeout', 'self-approval-rejected', 'cancel-during-deploy'];
    // Recorded only with verified identities (the features came after the patch): input_required (failed batch, CORE plan), standard changes.
    const verifiedOnly = ['ask-rollback', 'standard-change', 'core-plan'];
    // Recorded with the progress-memo patch (the workflow keeps its summary in its memo).
    const withMemo = ['progress-memo-happy-path'];
    // Recorded with the approval-records patch (approvals and rejections recorded on the change's approval records by the Updates; two concurrent approvers).
    const withApprovalRecords = ['approval-records-happy-path', 'approval-records-self-approval-rejected', 'approval-records-concurrent-approvals'];
    // Recorded with the approval-turns patch (two concurrent approvers take turns after waking in one pass).
    const withApprovalTurns = ['approval-turns-concurrent-approvals'];
    expect(files).toEqual(
      expect.arrayContaining([
        ...scenarios.map((n) => `${n}.json`),
        ...[...scenarios, ...verifiedOnly].map((n) => `verified-${n}.json`),
        ...[...withMemo, ...withApprovalRecords, ...withApprovalTurns].map((n) => `${n}.json`),
      ]),
    );
  });

  it('replays every history without non-determinism', async () => {
    const histories = await Promise.all(
      files.map(async (f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(await readFile(new URL(f, dir), 'utf8'))) })),
    );
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle, replayName: 'deploy-worker-replay', sinks: workflowSpanSinks() }, histories)) results.push(r);
    expect(results.map((r) => ({ id: r.workflowId, error: r.error?.message }))).toEqual(files.map((f) => ({ id: f.replace(/\.json$/, ''), error: undefined })));
  });
});
