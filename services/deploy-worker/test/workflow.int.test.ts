/**
 * The deployment workflow end to end on the real Temporal dev server, with the
 * Catalyst Center and ServiceNow simulators and the repository's Wasm policy.
 * Set UPDATE_HISTORIES=1 to re-export the replay histories in test/histories/.
 */
import { writeFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { createAuthorizerFromConfig } from '@mcp-platform/mcp-common/authz';
import { createTokenVerifier } from '@mcp-platform/mcp-common/auth';
import { SignJWT, generateKeyPair } from 'jose';
import { createServiceNowClient } from '@mcp-platform/connectors/servicenow';
import { createCatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, createIdentityActivities, createServiceNowChangeManagement } from '../src/activities/index.ts';
import { runCli } from '../src/cli.ts';
import { approveSignal, createDeploymentClient, DEFAULT_WORKER_AUDIENCE, type DeploymentActionRefusedError, type DeploymentClient, type DeploymentRequest } from '@mcp-platform/deployment-contract';
import { DEV_SECRETS } from '../src/config.ts';
import { createTemporalCredentialLedger } from '../src/identity/ledger.ts';
import { WORKFLOWS_PATH, createDeploymentWorker } from '../src/worker.ts';
import { WORKFLOW_TRACING_MODULES } from '../src/workflow-telemetry.ts';
import { SEED, captureLogger, startAll, startIdentity, startSimulators, startTemporalDevServer, type DevServer, type IdentityFixture, type Simulators } from './fixtures.ts';
import { createMetrics } from '@mcp-platform/mcp-common/metrics';

const TASK_QUEUE = 'deploy-int';
let server: DevServer;
let sims: Simulators;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let deployments: DeploymentClient;
let identity: IdentityFixture;
/** Added to the worker verifier's clock (expired-credential test). */
let clockOffsetMs = 0;
const log = captureLogger();
const cred = (user: string, options?: { audience?: string; ttlSeconds?: number }) => identity.credential(user, options);

const metrics = createMetrics({ processMetrics: false });

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  [server, sims, identity] = await startAll([startTemporalDevServer(), startSimulators({ taskDurationMs: 300 }), startIdentity()]);
  const catalyst = createCatalystCenterClient({ baseUrl: sims.catalyst.url, credentials: async () => DEV_SECRETS['catalyst-center'] });
  const servicenow = createServiceNowClient({ instanceUrl: sims.servicenow.url, credentials: async () => DEV_SECRETS.servicenow });
  const authorizer = createAuthorizerFromConfig({ AUTHZ_MODE: 'wasm', OPA_URL: 'http://127.0.0.1:8181', OPA_TIMEOUT_MS: 2000, AUTHZ_CACHE_TTL_MS: 0 }, { audit: log.logger }).call;
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const verifier = createTokenVerifier({ issuer: identity.idp.issuer, audience: DEFAULT_WORKER_AUDIENCE, now: () => Date.now() + clockOffsetMs });
  const activities = {
    ...createActivities({ catalyst, itsm: createServiceNowChangeManagement(servicenow), authorizer, logger: log.logger }),
    ...createIdentityActivities({ verifier, ledger: createTemporalCredentialLedger(client, TASK_QUEUE), logger: log.logger }),
  };
  const [connection, workflowBundle] = await Promise.all([NativeConnection.connect({ address: server.address }), bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [...WORKFLOW_TRACING_MODULES], logger: quietBundlerLogger })]);
  worker = await createDeploymentWorker({ connection, namespace: 'default', taskQueue: TASK_QUEUE, activities, workflowBundle, metrics });
  running = worker.run();
  deployments = createDeploymentClient(client, TASK_QUEUE);
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await client?.connection.close();
  await sims?.stop();
  await identity?.stop();
  await server?.stop();
});

const quietBundlerLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

async function request(overrides: Partial<DeploymentRequest> = {}, user = 'nina'): Promise<DeploymentRequest> {
  return {
    templateId: SEED.template,
    deviceIds: SEED.access.slice(0, 3),
    params: { interface: 'GigabitEthernet1/0/1', description: 'uplink to dist' },
    credential: await cred(user),
    batchSize: 2,
    approvalTimeoutMs: 60_000,
    pollIntervalMs: 100,
    heartbeatTimeoutMs: 5_000,
    ...overrides,
  };
}

async function waitForStep(id: string, step: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await deployments.status(id);
    if (s.progress?.step === step) return;
    if (Date.now() > deadline) throw new Error(`workflow ${id} never reached ${step} (at ${s.progress?.step ?? s.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const changesFor = (id: string) => sims.servicenow.state.tables.change_request.filter((c) => c['correlation_id'] === id);
const incidentsFor = (id: string) => sims.servicenow.state.tables.incident.filter((c) => String(c['correlation_id']).startsWith(id));
const acceptedDeploys = () => sims.catalyst.state.deployments.filter((d) => d.outcome === 'accepted');
/** The change's approval records as [approver user_name, state], by approver. */
const approvalsOf = (changeSysId: string) =>
  sims.servicenow.state.tables.sysapproval_approver
    .filter((a) => a['sysapproval'] === changeSysId)
    .map((a) => [sims.servicenow.state.tables.sys_user.find((u) => u['sys_id'] === a['approver'])?.['user_name'] ?? '?', a['state'] ?? ''])
    .sort();
const notesFor = (sysId: string) => sims.servicenow.state.journal.filter((j) => j.element_id === sysId).map((j) => j.value);

async function exportHistory(id: string, name: string): Promise<void> {
  if (process.env['UPDATE_HISTORIES'] !== '1') return;
  const history = await client.workflow.getHandle(id).fetchHistory();
  await writeFile(new URL(`./histories/${name}.json`, import.meta.url), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
}

describe('TemplateDeploymentWorkflow on the Temporal dev server', () => {
  it('happy path: change opened, approved by a second person, deployed in batches, verified, change closed', async () => {
    const before = acceptedDeploys().length;
    const id = await deployments.start(await request(), { workflowId: 'deploy-happy' });
    await waitForStep(id, 'awaiting_approval');
    const [change] = changesFor(id);
    expect(change?.['state']).toBe('-3'); // authorize
    // The workflow keeps a summary in its memo: describe() alone says where it is (no progress query, no worker needed).
    const fromMemo = await deployments.status(id, { summaryOnly: true });
    expect(fromMemo.progress).toBeNull();
    expect(fromMemo.summary).toMatchObject({ step: 'awaiting_approval', requester: 'nina', change: change?.['number'], approvalsRefused: 0, batchesTotal: 2, batchesDone: 0, devicesTotal: 3 });
    const verdict = await deployments.approve(id, await cred('alice'));
    expect(verdict).toEqual({ by: 'alice', allowed: true, reasons: [], approvedBy: 'alice' });
    // Recorded as ServiceNow records an approval: alice's own approval record, which moved the change to Scheduled.
    expect(approvalsOf(change?.['sys_id'] ?? '')).toEqual([['alice', 'approved'], ['carol', 'not_required']]);
    const result = await deployments.result(id);
    expect(result.outcome).toBe('succeeded');
    expect(result.progress.approvedBy).toBe('alice');
    expect(Object.values(result.progress.devices).map((d) => d.status)).toEqual(['verified', 'verified', 'verified']);
    expect(acceptedDeploys().length - before).toBe(2); // 3 devices in batches of 2
    expect(changesFor(id)).toHaveLength(1);
    expect(changesFor(id)[0]?.['state']).toBe('3'); // closed
    expect(changesFor(id)[0]?.['close_code']).toBe('successful');
    // Every step is in the ECS audit trail with the workflow id.
    const audit = log.lines().filter((l) => (l['labels'] as Record<string, unknown> | undefined)?.['workflow_id'] === id);
    const actions = audit.map((l) => (l['event'] as Record<string, unknown>)['action']);
    expect(actions).toEqual(expect.arrayContaining(['deployment-validate', 'deployment-change-opened', 'deployment-approval', 'deployment-deploy-batch-started', 'deployment-deploy-batch', 'deployment-verify', 'deployment-change-closed']));
    expect(audit.every((l) => (l['event'] as Record<string, unknown>)['dataset'] === 'deploy-worker.audit')).toBe(true);
    await exportHistory(id, 'approval-records-happy-path');
  });

  it('refuses the requester approving their own deployment (four-eyes), then a reject cancels the change', async () => {
    const id = await deployments.start(await request(), { workflowId: 'deploy-self-approval' });
    await waitForStep(id, 'awaiting_approval');
    const verdict = await deployments.approve(id, await cred('nina'));
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons.join(' ')).toMatch(/four-eyes/);
    const service = await deployments.approve(id, await cred('sam'));
    expect(service.allowed).toBe(false);
    expect((await deployments.status(id)).progress?.step).toBe('awaiting_approval');
    await deployments.reject(id, await cred('alice'), 'not this week');
    const result = await deployments.result(id);
    expect(result.outcome).toBe('rejected');
    expect(changesFor(id)[0]?.['state']).toBe('4'); // canceled
    // The rejection is alice's approval record's (ServiceNow sent the change back to New; the deployment then cancelled it).
    expect(approvalsOf(changesFor(id)[0]?.['sys_id'] ?? '')).toEqual([['alice', 'rejected'], ['carol', 'cancelled']]);
    expect(sims.servicenow.state.tables.sysapproval_approver.find((a) => a['sysapproval'] === changesFor(id)[0]?.['sys_id'] && a['state'] === 'rejected')?.['comments']).toBe('not this week');
    await exportHistory(id, 'approval-records-self-approval-rejected');
  });

  it('two approvers at the same moment: one decision recorded on the change, both told the same approver', async () => {
    const id = await deployments.start(await request(), { workflowId: 'deploy-concurrent-approvals' });
    await waitForStep(id, 'awaiting_approval');
    const [change] = changesFor(id);
    const writesBefore = sims.servicenow.state.requests.filter((r) => r.method === 'PATCH' && r.path.includes('sysapproval_approver')).length;
    const [carolCred, aliceCred] = await Promise.all([cred('carol'), cred('alice')]);
    const answers = await Promise.all([deployments.approve(id, carolCred, { comment: 'carol: ok' }), deployments.approve(id, aliceCred, { comment: 'alice: ok' })]);
    // Both allowed; both answers name the one approval that counts.
    expect(answers.map((a) => a.allowed)).toEqual([true, true]);
    const counted = answers[0]?.approvedBy;
    expect(counted === 'carol' || counted === 'alice').toBe(true);
    expect(answers.map((a) => a.approvedBy)).toEqual([counted, counted]);
    // One decision record in ServiceNow (one PATCH of an approval), the other request no longer required.
    const records = approvalsOf(change?.['sys_id'] ?? '');
    expect(records.filter(([, state]) => state === 'approved')).toEqual([[counted, 'approved']]);
    expect(records.filter(([, state]) => state === 'not_required')).toHaveLength(1);
    expect(sims.servicenow.state.requests.filter((r) => r.method === 'PATCH' && r.path.includes('sysapproval_approver')).length - writesBefore).toBe(1);
    const result = await deployments.result(id);
    expect(result.outcome).toBe('succeeded');
    expect(result.progress.approvedBy).toBe(counted);
    expect(approvalsOf(change?.['sys_id'] ?? '').filter(([, state]) => state === 'approved')).toHaveLength(1);
    await exportHistory(id, 'approval-turns-concurrent-approvals');
  });

  it('rolls back deployed batches in reverse, records it on the change and opens an incident when devices fail', async () => {
    const devices = SEED.access; // 05..08
    const before = acceptedDeploys().length;
    const id = await deployments.start(
      await request({ deviceIds: devices, rollback: { templateId: SEED.template, params: { interface: 'GigabitEthernet1/0/1', description: 'previous description' } } }),
      { workflowId: 'deploy-rollback' },
    );
    await waitForStep(id, 'awaiting_approval');
    // The last device goes down between validation and deployment.
    const lastDevice = sims.catalyst.state.devices.find((d) => d.id === devices[3])!;
    lastDevice.reachabilityStatus = 'Unreachable';
    try {
      await deployments.approve(id, await cred('alice'));
      const result = await deployments.result(id);
      expect(result.outcome).toBe('rolled_back');
      expect(result.progress.devices[devices[3]!]?.status).toBe('failed');
      for (const d of devices.slice(0, 3)) expect(result.progress.devices[d]?.status).toBe('rolled_back');
      const accepted = acceptedDeploys().slice(before);
      expect(accepted).toHaveLength(4); // 2 deploy batches, then 2 rollbacks
      // Reverse order: batch 1's deployed device first, then batch 0.
      const targets = accepted.map((r) => ((r.body as { targetInfo: { id: string }[] }).targetInfo).map((t) => t.id));
      expect(targets[2]).toEqual([devices[2]]);
      expect(targets[3]).toEqual(devices.slice(0, 2));
      const [change] = changesFor(id);
      expect(change?.['state']).toBe('3');
      expect(change?.['close_code']).toBe('unsuccessful');
      expect(notesFor(String(change?.['sys_id'])).join('\n')).toMatch(/rolled back 1\/1 device\(s\)[\s\S]*rolled back 2\/2/);
      expect(incidentsFor(id)).toHaveLength(1);
      expect(result.progress.incident?.number).toBe(incidentsFor(id)[0]?.['number']);
      await exportHistory(id, 'verified-failure-rollback');
    } finally {
      lastDevice.reachabilityStatus = 'Reachable';
    }
  });

  it('a cancel Update during deploy stops before the next batch and rolls back what was deployed (recorded only without a rollback template)', async () => {
    // Batches poll their Catalyst task every 3 s, so the cancel lands seconds before the last batch could start,
    // however loaded the machine (with 100 ms polls all four batches could finish between the two calls below).
    const id = await deployments.start(await request({ deviceIds: SEED.access, batchSize: 1, pollIntervalMs: 3_000 }), { workflowId: 'deploy-cancel-mid' });
    const ninaCancels = await cred('nina');
    await waitForStep(id, 'awaiting_approval');
    expect((await deployments.approve(id, await cred('carol'))).allowed).toBe(true);
    const deadline = Date.now() + 20_000;
    while (((await deployments.status(id)).progress?.batchesDone ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error('no batch finished');
      await new Promise((r) => setTimeout(r, 50));
    }
    await deployments.cancel(id, ninaCancels, 'maintenance window closed');
    const result = await deployments.result(id);
    expect(result.outcome).toBe('rolled_back');
    expect(result.progress.reason).toMatch(/cancelled by nina during deploy/);
    const statuses = Object.values(result.progress.devices).map((d) => d.status);
    expect(statuses).toContain('not_rolled_back');
    expect(statuses.at(-1)).toBe('pending'); // the last batch never started
    expect(changesFor(id)[0]?.['close_code']).toBe('unsuccessful');
    expect(incidentsFor(id)).toHaveLength(1);
    await exportHistory(id, 'verified-cancel-during-deploy');
  });

  it("onBatchFailure 'ask': a failed batch waits for the requester (awaiting_input); others are refused; 'rollback' compensates, no answer in time rolls back", async () => {
    const [first, second] = [SEED.access[0]!, SEED.access[1]!];
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as { code?: string });
    const device = sims.catalyst.state.devices.find((d) => d.id === first)!;
    const id = await deployments.start(await request({ deviceIds: [first, second], batchSize: 1, onBatchFailure: 'ask', inputTimeoutMs: 60_000 }), { workflowId: 'deploy-ask' });
    await waitForStep(id, 'awaiting_approval');
    device.reachabilityStatus = 'Unreachable';
    try {
      await deployments.approve(id, await cred('alice'));
      await waitForStep(id, 'awaiting_input');
      const asked = (await deployments.status(id)).progress!;
      expect(asked.input).toMatchObject({ id: 'batch-0-failed', kind: 'batch_failure', choices: ['continue', 'rollback'], onTimeout: 'rollback' });
      expect(asked.batchesDone).toBe(1);
      // Not the requester (an admin, an approver), a question that is not open, a bad decision: refused, nothing moves.
      expect(await refusal(deployments.respond(id, await cred('alice'), 'batch-0-failed', 'continue'))).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
      expect(await refusal(deployments.respond(id, await cred('nina'), 'batch-1-failed', 'continue'))).toMatchObject({ code: 'ERR_WORKFLOW_STATE' });
      expect(await refusal(deployments.respond(id, await cred('nina'), 'batch-0-failed', 'maybe' as 'continue'))).toMatchObject({ code: 'ERR_VALIDATION' });
      expect((await deployments.status(id)).progress?.step).toBe('awaiting_input');
      expect(await deployments.respond(id, await cred('nina'), 'batch-0-failed', 'rollback')).toEqual({ by: 'nina', inputId: 'batch-0-failed', decision: 'rollback' });
      const result = await deployments.result(id);
      expect(result.outcome).toBe('rolled_back');
      expect(result.progress.reason).toMatch(/nina chose to roll back/);
      expect(result.progress.devices[second]?.status).toBe('pending'); // the second batch never ran
      expect(changesFor(id)[0]?.['close_code']).toBe('unsuccessful');
      await exportHistory(id, 'verified-ask-rollback');

      device.reachabilityStatus = 'Reachable'; // validation needs it up
      const quiet = await deployments.start(await request({ deviceIds: [first, second], batchSize: 1, onBatchFailure: 'ask', inputTimeoutMs: 1_000 }), { workflowId: 'deploy-ask-timeout' });
      await waitForStep(quiet, 'awaiting_approval');
      device.reachabilityStatus = 'Unreachable';
      await deployments.approve(quiet, await cred('alice'));
      const timedOut = await deployments.result(quiet);
      expect(timedOut.outcome).toBe('rolled_back');
      expect(timedOut.progress.reason).toMatch(/no answer in time/);
      expect(timedOut.progress.answers).toBeUndefined();
    } finally {
      device.reachabilityStatus = 'Reachable';
    }
  });

  it('confirmCorePlan: a plan touching CORE devices waits for its requester before any change exists; continue opens the change, cancel ends it', async () => {
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as { code?: string });
    const core = 'de000000-0000-4000-8000-000000000001';
    const id = await deployments.start(await request({ deviceIds: [SEED.access[0]!, core], confirmCorePlan: true, inputTimeoutMs: 60_000 }, 'alice'), { workflowId: 'deploy-core-plan' });
    await waitForStep(id, 'awaiting_input');
    expect((await deployments.status(id)).progress?.input).toMatchObject({ id: 'core-plan', kind: 'core_plan', choices: ['continue', 'cancel'], onTimeout: 'cancel', message: expect.stringMatching(/touches 1 CORE device/) });
    expect(changesFor(id)).toHaveLength(0); // nothing opened before the plan is confirmed
    // Not a choice of this question; not the requester: refused, nothing moves.
    expect(await refusal(deployments.respond(id, await cred('alice'), 'core-plan', 'rollback'))).toMatchObject({ code: 'ERR_VALIDATION' });
    expect(await refusal(deployments.respond(id, await cred('nina'), 'core-plan', 'continue'))).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
    expect(await deployments.respond(id, await cred('alice'), 'core-plan', 'continue')).toEqual({ by: 'alice', inputId: 'core-plan', decision: 'continue' });
    await waitForStep(id, 'awaiting_approval');
    expect(changesFor(id)).toHaveLength(1);
    await deployments.cancel(id, await cred('alice'), 'test done');
    expect((await deployments.result(id)).outcome).toBe('cancelled');
    await exportHistory(id, 'verified-core-plan');

    const declined = await deployments.start(await request({ deviceIds: [core], confirmCorePlan: true }, 'alice'), { workflowId: 'deploy-core-plan-cancel' });
    await waitForStep(declined, 'awaiting_input');
    await deployments.respond(declined, await cred('alice'), 'core-plan', 'cancel');
    expect(await deployments.result(declined)).toMatchObject({ outcome: 'cancelled', progress: { reason: 'alice cancelled the CORE plan' } });
    expect(changesFor(declined)).toHaveLength(0);
  });

  it("changeType 'standard': a pre-approved standard change — no approval step, deployed once, verified, closed; approve is refused; CORE devices are refused by policy", async () => {
    const devices = SEED.access.slice(0, 2);
    const before = acceptedDeploys().length;
    const id = await deployments.start(await request({ deviceIds: devices, changeType: 'standard' }), { workflowId: 'deploy-standard' });
    // Nothing to approve: refused at once (whoever asks), instead of counting as an approval.
    await expect(deployments.approve(id, await cred('alice'))).rejects.toMatchObject({ code: 'ERR_WORKFLOW_STATE', message: expect.stringMatching(/pre-approved standard change/) });
    const result = await deployments.result(id);
    expect(result.outcome).toBe('succeeded');
    expect(result.progress).toMatchObject({ changeType: 'standard', approvals: [], requester: 'nina' });
    expect(result.progress.approvedBy).toBeUndefined();
    expect(devices.map((d) => result.progress.devices[d]?.status)).toEqual(['verified', 'verified']);
    expect(acceptedDeploys().length - before).toBe(1); // one batch of two
    const [change] = changesFor(id);
    // A ServiceNow standard change, walked through its own state model (no assess/authorize) to closed.
    expect(change).toMatchObject({ type: 'standard', std_change_producer_version: 'std-catalyst-template-deployment', state: '3', close_code: 'successful' });
    expect(notesFor(String(change?.['sys_id'])).join('\n')).toMatch(/Standard change, pre-approved: nina/);
    await exportHistory(id, 'verified-standard-change');

    // CORE devices always need four-eyes: an admin's standard change for one is refused before any ticket exists.
    const core = 'de000000-0000-4000-8000-000000000001';
    const refused = await deployments.start(await request({ deviceIds: [SEED.access[0]!, core], changeType: 'standard' }, 'alice'), { workflowId: 'deploy-standard-core' });
    await expect(deployments.result(refused)).rejects.toThrow();
    const status = await deployments.status(refused);
    expect(status).toMatchObject({ status: 'FAILED', failureCode: 'ERR_AUTHZ_DENIED', failure: expect.stringMatching(/CORE devices need a normal change with four-eyes approval/) });
    expect(changesFor(refused)).toHaveLength(0);
  });

  it('cancels the change when nobody approves within the approval timeout', async () => {
    const before = acceptedDeploys().length;
    const id = await deployments.start(await request({ approvalTimeoutMs: 1_500 }), { workflowId: 'deploy-timeout' });
    const result = await deployments.result(id);
    expect(result.outcome).toBe('cancelled');
    expect(result.progress.reason).toMatch(/no approval within 2 s/);
    expect(changesFor(id)[0]?.['state']).toBe('4');
    expect(acceptedDeploys()).toHaveLength(before);
    await exportHistory(id, 'verified-approval-timeout');
  });

  it('fails validation without opening a change for an unreachable device', async () => {
    const id = await deployments.start(await request({ deviceIds: [SEED.unreachable] }), { workflowId: 'deploy-invalid' });
    await expect(deployments.result(id)).rejects.toThrow();
    expect(changesFor(id)).toHaveLength(0);
  });

  it('operator CLI: logs in at the IdP (no names), start, refused self-approval, approve, status, list', async () => {
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, OIDC_ISSUER: identity.idp.issuer };
    const as = (user: string) => ({ ...env, DEPLOY_USER: user, DEPLOY_PASSWORD: `${user}-dev-password` });
    const started = (await runCli(
      ['start', '--template', SEED.template, '--devices', SEED.access[0]!, '--param', 'interface=Gi1/0/9', '--param', 'description=cli', '--workflow-id', 'deploy-cli'],
      as('nina'),
    )) as { workflowId: string };
    expect(started.workflowId).toBe('deploy-cli');
    await waitForStep('deploy-cli', 'awaiting_approval');
    expect((await deployments.status('deploy-cli')).progress?.requester).toBe('nina');
    expect(await runCli(['approve', 'deploy-cli'], as('nina'))).toMatchObject({ by: 'nina', allowed: false });
    expect(await runCli(['approve', 'deploy-cli', '--user', 'carol'], { ...env, DEPLOY_PASSWORD: 'carol-dev-password' })).toMatchObject({ by: 'carol', allowed: true });
    await deployments.result('deploy-cli');
    expect(await runCli(['status', 'deploy-cli'], env)).toMatchObject({ status: 'COMPLETED', result: { outcome: 'succeeded', progress: { approvedBy: 'carol' } } });
    await expect(runCli(['reject', 'deploy-cli'], as('alice'))).rejects.toThrow(/--reason/);
    await expect(runCli(['approve', 'deploy-cli'], as('alice'))).rejects.toThrow(/deployment deploy-cli is not running \(COMPLETED\)/);
    const listed = (await runCli(['list', '--limit', '50'], env)) as { workflowId: string }[];
    // Visibility is eventually consistent: the list has deployments, and soon this one.
    expect(listed.length).toBeGreaterThan(0);
  });

  it("operator CLI: respond answers the open question as the logged-in requester (continue); others and bad input are refused", async () => {
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, OIDC_ISSUER: identity.idp.issuer };
    const as = (user: string) => ({ ...env, DEPLOY_USER: user, DEPLOY_PASSWORD: `${user}-dev-password` });
    const [down, up] = [SEED.access[2]!, SEED.access[3]!];
    await expect(runCli(['start', '--template', SEED.template, '--devices', down, '--input-timeout-seconds', '60'], as('nina'))).rejects.toThrow(/--input-timeout-seconds needs --on-batch-failure ask/);
    await expect(runCli(['start', '--template', SEED.template, '--devices', down, '--on-batch-failure', 'later'], as('nina'))).rejects.toThrow(/--on-batch-failure must be rollback or ask/);
    const id = 'deploy-cli-respond';
    await runCli(
      ['start', '--template', SEED.template, '--devices', `${down},${up}`, '--param', 'interface=Gi1/0/8', '--param', 'description=cli respond', '--batch-size', '1', '--on-batch-failure', 'ask', '--input-timeout-seconds', '120', '--workflow-id', id],
      as('nina'),
    );
    await waitForStep(id, 'awaiting_approval');
    // Nothing is asked yet: respond says so instead of sending an answer to no question.
    await expect(runCli(['respond', id, 'continue'], as('nina'))).rejects.toThrow(/not waiting for an answer/);
    const device = sims.catalyst.state.devices.find((d) => d.id === down)!;
    device.reachabilityStatus = 'Unreachable';
    try {
      await runCli(['approve', id], as('carol'));
      await waitForStep(id, 'awaiting_input');
      // A decision that is not one of the choices is refused before anyone logs in.
      await expect(runCli(['respond', id, 'maybe'], env)).rejects.toThrow(/continue, rollback or cancel/);
      await expect(runCli(['respond', id], env)).rejects.toThrow(/continue, rollback or cancel/);
      // Same identity rules as approve: the verified subject decides, and only the requester answers.
      await expect(runCli(['respond', id, 'continue'], as('carol'))).rejects.toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
      await expect(runCli(['respond', id, 'continue'], as('alice'))).rejects.toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
      expect((await deployments.status(id)).progress?.step).toBe('awaiting_input');
      expect(await runCli(['respond', id, 'continue'], as('nina'))).toEqual({ workflowId: id, by: 'nina', inputId: 'batch-0-failed', decision: 'continue' });
    } finally {
      device.reachabilityStatus = 'Reachable';
    }
    const result = await deployments.result(id);
    expect(result.outcome).toBe('succeeded');
    expect(result.progress.answers).toEqual([{ by: 'nina', inputId: 'batch-0-failed', decision: 'continue' }]);
    expect(result.progress.devices[down]?.status).toBe('failed');
    expect(result.progress.devices[up]?.status).toBe('verified');
  });

  it('operator CLI: names and groups cannot be asserted, a wrong password logs nobody in', async () => {
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, OIDC_ISSUER: identity.idp.issuer };
    await expect(runCli(['approve', 'deploy-x', '--as', 'alice', '--groups', 'admin'], env)).rejects.toThrow(/Unknown option '--as'/);
    await expect(runCli(['approve', 'deploy-x'], { ...env, DEPLOY_USER: 'alice', DEPLOY_PASSWORD: 'nina-dev-password' })).rejects.toThrow(/login refused by the identity provider \(invalid_grant\)/);
    await expect(runCli(['approve', 'deploy-x'], { ...env, DEPLOY_USER: 'alice' })).rejects.toThrow(/needs a user .* and a password/);
  });

  it('counts every activity the worker ran, by outcome (mcp_workflow_activities_total)', async () => {
    const counter = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'mcp_workflow_activities_total');
    const values = (counter?.values ?? []) as { labels: Record<string, string>; value: number }[];
    expect(values.filter((v) => v.labels['outcome'] === 'success').reduce((n, v) => n + v.value, 0)).toBeGreaterThan(5);
    expect(new Set(values.map((v) => v.labels['activity'])).size).toBeGreaterThan(3);
    const durations = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'mcp_workflow_activity_duration_seconds');
    expect((durations?.values ?? []).length).toBeGreaterThan(0);
  });

});

describe('identity travels verified: forged, replayed, expired and wrong-audience credentials', () => {
  const refusal = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as DeploymentActionRefusedError);

  async function awaitingApproval(workflowId: string, user = 'nina'): Promise<string> {
    const wf = await deployments.start(await request({}, user), { workflowId });
    await waitForStep(wf, 'awaiting_approval');
    return wf;
  }

  it('a name in the payload is not an identity: no credential fails the start, and the verified subject wins over a named requester', async () => {
    const nameOnly = await deployments.start({ templateId: SEED.template, deviceIds: SEED.access.slice(0, 1), params: { interface: 'Gi1/0/1', description: 'x' }, requester: { id: 'alice', groups: ['admin'] } }, { workflowId: 'forged-name-only' });
    await expect(deployments.result(nameOnly)).rejects.toThrow();
    const failure = await client.workflow.getHandle(nameOnly).result().catch((err: unknown) => err as { cause?: { type?: string } });
    expect(failure.cause?.type).toBe('ERR_TOKEN_MISSING');
    expect(changesFor(nameOnly)).toHaveLength(0);

    // nina's credential, alice named as requester: the workflow's requester is nina, so nina cannot approve.
    const wf = await deployments.start({ ...(await request()), requester: { id: 'alice', groups: ['admin'] } }, { workflowId: 'forged-named-requester' });
    await waitForStep(wf, 'awaiting_approval');
    expect((await deployments.status(wf)).progress?.requester).toBe('nina');
    expect(await deployments.approve(wf, await cred('nina'))).toMatchObject({ by: 'nina', allowed: false });
    // The legacy signal with a name in it is not listened to by new workflows.
    await client.workflow.getHandle(wf).signal(approveSignal, { approver: { id: 'alice', groups: ['admin'] } });
    await new Promise((r) => setTimeout(r, 500));
    expect((await deployments.status(wf)).progress).toMatchObject({ step: 'awaiting_approval', approvals: [{ by: 'nina', allowed: false }] });
    await deployments.cancel(wf, await cred('nina'), 'test done');
    expect((await deployments.result(wf)).outcome).toBe('cancelled');
  });

  it('refuses a credential for another audience, an expired one, one signed by a stranger, and a replayed one', async () => {
    const wf = await awaitingApproval('forged-credentials');
    // The caller's token for mcp-network is not a credential for the worker.
    expect(await refusal(deployments.approve(wf, await cred('alice', { audience: 'http://127.0.0.1:8101/mcp' })))).toMatchObject({ code: 'ERR_TOKEN_AUDIENCE' });
    // Expired (the worker's clock moved past exp + skew).
    const old = await cred('alice');
    clockOffsetMs = 3_600_000;
    try {
      expect(await refusal(deployments.approve(wf, old))).toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    } finally {
      clockOffsetMs = 0;
    }
    // Signed with a key the IdP never published, claims otherwise perfect.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ groups: ['admin'], scope: 'mcp:tools', client_id: 'mcp-dev-cli' })
      .setProtectedHeader({ alg: 'RS256', kid: identity.idp.currentKid, typ: 'at+jwt' })
      .setIssuer(identity.idp.issuer)
      .setAudience(DEFAULT_WORKER_AUDIENCE)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await refusal(deployments.approve(wf, forged))).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
    // Garbage is refused by the Update validator (never reaches the history).
    expect(await refusal(deployments.approve(wf, ''))).toMatchObject({ code: 'ERR_VALIDATION' });
    expect((await deployments.status(wf)).progress).toMatchObject({ step: 'awaiting_approval', approvals: [] });

    // A credential works once: carol's approval of another deployment cannot be replayed here.
    const other = await awaitingApproval('replay-source');
    const carol = await cred('carol');
    expect(await deployments.approve(other, carol)).toMatchObject({ by: 'carol', allowed: true });
    expect(await refusal(deployments.approve(wf, carol))).toMatchObject({ code: 'ERR_CREDENTIAL_REPLAYED' });
    expect(await refusal(deployments.cancel(wf, carol, 'replayed'))).toMatchObject({ code: 'ERR_CREDENTIAL_REPLAYED' });
    // Nor a requester's start credential to start a second deployment as them.
    const startCredential = await cred('nina');
    await deployments.start({ ...(await request()), credential: startCredential }, { workflowId: 'replay-start-1' });
    const second = await deployments.start({ ...(await request()), credential: startCredential }, { workflowId: 'replay-start-2' });
    const failure = await client.workflow.getHandle(second).result().catch((err: unknown) => err as { cause?: { cause?: { type?: string } } });
    expect(failure.cause?.cause?.type).toBe('ERR_CREDENTIAL_REPLAYED');
    expect(changesFor(second)).toHaveLength(0);
    expect((await deployments.status(wf)).progress?.approvals).toEqual([]);
    const audit = log.lines().filter((l) => (l['event'] as Record<string, unknown>)['action'] === 'deployment-credential-verified' && (l['event'] as Record<string, unknown>)['outcome'] === 'failure');
    expect(audit.map((l) => (l['event'] as Record<string, unknown>)['reason'])).toEqual(expect.arrayContaining(['ERR_TOKEN_AUDIENCE', 'ERR_TOKEN_EXPIRED', 'ERR_TOKEN_SIGNATURE', 'ERR_CREDENTIAL_REPLAYED']));
    for (const wfId of [wf, other, 'replay-start-1']) await deployments.cancel(wfId, await cred('alice'), 'test done').catch(() => undefined);
  });

  it('only the requester or an approver may stop a deployment; the service desk may not', async () => {
    const wf = await awaitingApproval('stop-authz');
    expect(await refusal(deployments.cancel(wf, await cred('sam'), 'not mine'))).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
    expect(await refusal(deployments.reject(wf, await cred('nina'), 'my own'))).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
    expect(await deployments.reject(wf, await cred('carol'), 'no')).toEqual({ by: 'carol', kind: 'rejected' });
    expect((await deployments.result(wf)).outcome).toBe('rejected');
  });
});
