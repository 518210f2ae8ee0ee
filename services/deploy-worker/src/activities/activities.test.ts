/**
 * Activities in isolation (MockActivityEnvironment) against the real simulators and the
 * repository's Wasm policy: idempotency, business vs transient failures, four-eyes.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';
import { createServiceNowClient } from '@mcp-platform/connectors/servicenow';
import { createAuthorizerFromConfig } from '@mcp-platform/mcp-common/authz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED, USERS, captureLogger, startSimulators, type Simulators } from '../../test/fixtures.ts';
import { DEV_SECRETS } from '../config.ts';
import { createActivities, createServiceNowChangeManagement, type BatchInput } from './index.ts';

let sims: Simulators;
let acts: ReturnType<typeof createActivities>;
const log = captureLogger();

/** Activities over fresh clients (each with its own circuit breaker). */
function makeActivities(): ReturnType<typeof createActivities> {
  const catalyst = createCatalystCenterClient({ baseUrl: sims.catalyst.url, credentials: async () => DEV_SECRETS['catalyst-center'] });
  const servicenow = createServiceNowClient({ instanceUrl: sims.servicenow.url, credentials: async () => DEV_SECRETS.servicenow });
  const authorizer = createAuthorizerFromConfig({ AUTHZ_MODE: 'wasm', OPA_URL: 'http://127.0.0.1:8181', OPA_TIMEOUT_MS: 2000, AUTHZ_CACHE_TTL_MS: 0 }, { audit: log.logger }).call;
  return createActivities({ catalyst, itsm: createServiceNowChangeManagement(servicenow), authorizer, logger: log.logger });
}

beforeAll(async () => {
  sims = await startSimulators({ taskDurationMs: 150 });
  acts = makeActivities();
});
afterAll(() => sims?.stop());

const batch = (overrides: Partial<BatchInput> = {}): BatchInput => ({
  workflowId: 'wf-unit',
  batchIndex: 0,
  purpose: 'deploy',
  templateId: SEED.template,
  deviceIds: SEED.access.slice(0, 2),
  params: { interface: 'Gi1/0/3', description: 'unit' },
  pollIntervalMs: 50,
  ...overrides,
});
/** Runs an activity in a MockActivityEnvironment, keeping its types. */
function run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, env = new MockActivityEnvironment()): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}
const accepted = () => sims.catalyst.state.deployments.filter((d) => d.outcome === 'accepted');

describe('deployBatch', () => {
  it('deploys, heartbeats the Catalyst task id and reports per-device results', async () => {
    const env = new MockActivityEnvironment({ attempt: 1 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const before = accepted().length;
    const result = await run(acts.deployBatch, [batch()], env);
    expect(accepted().length - before).toBe(1);
    expect(result.resumed).toBe(false);
    expect(result.devices.every((d) => d.ok)).toBe(true);
    expect(beats[0]).toEqual({ taskId: result.taskId });
  });

  it('a retry with heartbeat details follows the earlier task and deploys nothing', async () => {
    const first = await run(acts.deployBatch, [batch({ batchIndex: 1 })]);
    const before = accepted().length;
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { taskId: first.taskId } });
    const again = await run(acts.deployBatch, [batch({ batchIndex: 1 })], env);
    expect(accepted().length).toBe(before);
    expect(again).toMatchObject({ taskId: first.taskId, resumed: true });
  });

  it('a Catalyst rejection (missing parameter) is a non-retryable business failure', async () => {
    const err = await run(acts.deployBatch, [batch({ params: { interface: 'Gi1/0/3' } })]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('a Catalyst outage is a plain (retryable) error', async () => {
    sims.catalyst.failNext(1, 503); // the deploy POST is never retried by the client: one failure reaches the activity
    const err = await run(makeActivities().deployBatch, [batch()]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
  });
});

describe('validateDeployment and authorizeApproval', () => {
  const request = { templateId: SEED.template, deviceIds: SEED.access.slice(0, 1), params: { interface: 'Gi1/0/3', description: 'unit' }, requester: USERS.nina };

  it('lets a network engineer run a deployment to ACCESS devices', async () => {
    const out = await run(acts.validateDeployment, [{ workflowId: 'wf-v', request }]);
    expect(out.devices[0]).toMatchObject({ role: 'ACCESS' });
  });

  it('names unknown devices (Catalyst answers null entries for them) as a non-retryable validation failure', async () => {
    const unknown = 'de000000-0000-4000-8000-0000000000ff';
    const err = await run(acts.validateDeployment, [{ workflowId: 'wf-v', request: { ...request, deviceIds: [SEED.access[0]!, unknown] } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('ERR_VALIDATION');
    expect((err as ApplicationFailure).message).toBe(`deployment request is invalid: unknown device(s): ${unknown}`);
  });

  it('checks params and rollback params against the templates\' declared types (a workflow started outside MCP gets no less), before any write', async () => {
    const deploymentsBefore = sims.catalyst.state.deployments.length;
    const hostile = {
      ...request,
      params: { interface: 'Gi1/0/3', description: 'uplink\nusername mallory privilege 15 secret 0 pwned' },
      rollback: { templateId: SEED.template, params: { interface: 'Gi1/0/3', bogus: 'x' } },
    };
    const err = await run(acts.validateDeployment, [{ workflowId: 'wf-v', request: hostile }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('ERR_VALIDATION');
    expect((err as ApplicationFailure).message).toMatch(/params\.description: must not contain newlines or control characters/);
    expect((err as ApplicationFailure).message).toMatch(/rollback\.params\.bogus: not a variable of template/);
    expect(sims.catalyst.state.deployments.length).toBe(deploymentsBefore);
  });

  it('refuses a service-desk requester (policy, action execute) as a business failure', async () => {
    const err = await run(acts.validateDeployment, [{ workflowId: 'wf-v', request: { ...request, requester: USERS.sam } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('ERR_AUTHZ_DENIED');
  });

  it('four-eyes: the requester cannot approve, an admin can', async () => {
    const self = await run(acts.authorizeApproval, [{ workflowId: 'wf-a', requester: USERS.nina, approver: USERS.nina, changeNumber: 'CHG1' }]);
    expect(self.allowed).toBe(false);
    expect(self.reasons.join(' ')).toMatch(/four-eyes/);
    const alice = await run(acts.authorizeApproval, [{ workflowId: 'wf-a', requester: USERS.nina, approver: USERS.alice, changeNumber: 'CHG1' }]);
    expect(alice).toEqual({ allowed: true, reasons: [] });
  });
});

describe('ITSM activities', () => {
  it('opening the change twice for one workflow creates one change request', async () => {
    const input = { workflowId: 'wf-itsm', request: { templateId: SEED.template, deviceIds: [], params: {}, requester: USERS.nina }, templateName: 'T', devices: [] };
    const a = await run(acts.openChange, [input]);
    const b = await run(acts.openChange, [input]);
    expect(b).toEqual(a);
    expect(sims.servicenow.state.tables.change_request.filter((c) => c['correlation_id'] === 'wf-itsm')).toHaveLength(1);
    await run(acts.cancelChange, [{ workflowId: 'wf-itsm', change: a, reason: 'unit' }]);
    await run(acts.cancelChange, [{ workflowId: 'wf-itsm', change: a, reason: 'unit again' }]); // no-op
    expect(sims.servicenow.state.tables.change_request.find((c) => c['correlation_id'] === 'wf-itsm')?.['state']).toBe('4');
  });

  it('recordApproval: the approver\'s own approval record, once (a retry writes nothing); never the requester; never a decision made outside the deployment', async () => {
    const input = { workflowId: 'wf-approval', request: { templateId: SEED.template, deviceIds: [], params: {}, requester: USERS.nina }, templateName: 'T', devices: [] };
    const change = await run(acts.openChange, [input]);
    const carol = { id: 'carol', groups: ['change-approvers'] };
    const decide = (approver: { id: string; groups: string[] }) => run(acts.recordApproval, [{ workflowId: 'wf-approval', change, requester: USERS.nina, approver, decision: 'approved' as const, comment: 'ok' }]);
    const patches = () => sims.servicenow.state.requests.filter((r) => r.method === 'PATCH' && r.path.includes('sysapproval_approver')).length;
    const self = await decide(USERS.nina).catch((e: unknown) => e);
    expect(self).toBeInstanceOf(ApplicationFailure);
    expect(self).toMatchObject({ type: 'ERR_AUTHZ_DENIED', nonRetryable: true });
    const before = patches();
    expect(await decide(carol)).toEqual({ approver: 'carol', decision: 'approved', recorded: true, changeState: 'scheduled' });
    expect(await decide(carol)).toEqual({ approver: 'carol', decision: 'approved', recorded: false, changeState: 'scheduled' }); // a retry (e.g. after a worker crash)
    expect(patches() - before).toBe(1);
    // alice's approval would be a second decision: refused, carol's stands.
    expect(await decide(USERS.alice).catch((e: unknown) => e)).toMatchObject({ type: 'ERR_WORKFLOW_STATE', message: expect.stringContaining('already approved by carol outside this deployment') });
    // Moving on from Scheduled needs no approval any more.
    await run(acts.moveChange, [{ workflowId: 'wf-approval', change, to: 'implement' }]);
    expect(sims.servicenow.state.tables.change_request.find((c) => c['sys_id'] === change.sysId)?.['state']).toBe('-1');
  });

  it('moveChange out of Authorize records the accepted approval first (workflows from before the approval-records patch), and refuses without one', async () => {
    const input = { workflowId: 'wf-legacy-approval', request: { templateId: SEED.template, deviceIds: [], params: {}, requester: USERS.nina }, templateName: 'T', devices: [] };
    const change = await run(acts.openChange, [input]);
    expect(await run(acts.moveChange, [{ workflowId: 'wf-legacy-approval', change, to: 'implement' }]).catch((e: unknown) => e)).toMatchObject({ type: 'ERR_WORKFLOW_STATE', nonRetryable: true });
    await run(acts.moveChange, [{ workflowId: 'wf-legacy-approval', change, to: 'implement', note: 'Approved by alice', approvedBy: 'alice' }]);
    const row = sims.servicenow.state.tables.change_request.find((c) => c['sys_id'] === change.sysId);
    expect(row).toMatchObject({ state: '-1', approval: 'approved' });
    expect(sims.servicenow.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === change.sysId && a['state'] === 'approved')).toHaveLength(1);
  });

  it('every ServiceNow query the activities sent names fields the tables have (an instance would drop the others)', () => {
    expect(sims.servicenow.state.invalidQueries).toEqual([]);
  });
});
