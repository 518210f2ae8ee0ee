/**
 * The deployment workflow tools end to end: a real MCP client with a token from the dev IdP,
 * real OPA, mcp-network with TEMPORAL_ADDRESS, the real Temporal dev server and the deploy
 * worker (its own process) against the Catalyst Center and ServiceNow simulators.
 */
import { randomUUID } from 'node:crypto';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { TASKS_EXTENSION } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { connectRecordingClient, type RecordingClient, startTemporalDevServer, type DevServer } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectClient, createDeploymentClient, DEFAULT_WORKER_AUDIENCE, type DeploymentClient, type TemporalConfig } from '@mcp-platform/deployment-contract';
import { startHarness, type NetworkHarness } from './harness.ts';
import { startHarnessWorker, type HarnessWorker } from './worker.ts';

const TASK_QUEUE = 'network-tools';
const ACCESS = ['de000000-0000-4000-8000-000000000005', 'de000000-0000-4000-8000-000000000006'];
const TEMPLATE = '7e000000-0000-4000-8000-000000000001';
let temporal: DevServer;
let itsm: ServiceNowSimulator;
let h: NetworkHarness;
let worker: HarnessWorker;
let operators: DeploymentClient;

beforeAll(async () => {
  temporal = await startTemporalDevServer();
  h = await startHarness({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE });
  const config: TemporalConfig = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: TASK_QUEUE, TEMPORAL_TLS: false, DEPLOY_WORKER_AUDIENCE: DEFAULT_WORKER_AUDIENCE };
  operators = createDeploymentClient(await connectClient(config), TASK_QUEUE);
  // The worker as it runs in production (src/main.ts, its own process), against the same IdP, simulators and Temporal.
  worker = await startHarnessWorker(h, { temporalAddress: temporal.address, taskQueue: TASK_QUEUE });
  itsm = worker.itsm;
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await operators?.close();
  await h?.stop();
  await temporal?.stop();
});

it('lists the workflow tools only to callers the policy lets call them', async () => {
  const nina = await h.client('nina');
  const names = (await nina.listTools()).tools.map((t) => t.name);
  expect(names).toEqual(expect.arrayContaining(['start_deployment_workflow', 'get_deployment_workflow', 'approve_deployment_workflow']));
  const sam = await h.client('sam'); // service-desk: network read only
  const samNames = (await sam.listTools()).tools.map((t) => t.name);
  expect(samNames).toContain('get_deployment_workflow');
  expect(samNames).not.toContain('start_deployment_workflow');
  expect(samNames).not.toContain('approve_deployment_workflow');
});

it('nina starts a deployment through MCP, alice approves, nina follows it to completion', async () => {
  const nina = await h.client('nina');
  const started = (await nina.callTool({
    name: 'start_deployment_workflow',
    arguments: { template_id: TEMPLATE, device_ids: ACCESS, params: { interface: 'Gi1/0/5', description: 'via mcp' }, reason: 'test' },
  })) as CallToolResult;
  expect(started.isError).toBeFalsy();
  const { workflowId } = started.structuredContent as { workflowId: string };
  const deadline = Date.now() + 30_000;
  let state: Record<string, unknown> = {};
  for (;;) {
    const r = (await nina.callTool({ name: 'get_deployment_workflow', arguments: { workflow_id: workflowId } })) as CallToolResult;
    state = r.structuredContent as Record<string, unknown>;
    if (state['step'] === 'awaiting_approval') break;
    if (Date.now() > deadline) throw new Error(`never awaited approval: ${JSON.stringify(state)}`);
    await new Promise((r2) => setTimeout(r2, 200));
  }
  // The requester is whom the worker verified (a token exchanged by mcp-network), not a name mcp-network sent.
  expect(state['requester']).toBe('nina');
  // Four-eyes through MCP: nina's own approval is refused, alice's (verified token) counts.
  const own = (await nina.callTool({ name: 'approve_deployment_workflow', arguments: { workflow_id: workflowId } })) as CallToolResult;
  expect(own.isError).toBe(true);
  expect(own.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')).toMatch(/four-eyes/);
  const alice = await h.client('alice');
  const approved = (await alice.callTool({ name: 'approve_deployment_workflow', arguments: { workflow_id: workflowId, comment: 'lgtm' } })) as CallToolResult;
  expect(approved.structuredContent).toEqual({ workflowId, approvedBy: 'alice', allowed: true });
  await operators.result(workflowId);
  const done = (await nina.callTool({ name: 'get_deployment_workflow', arguments: { workflow_id: workflowId } })) as CallToolResult;
  expect(done.structuredContent).toMatchObject({ status: 'COMPLETED', outcome: 'succeeded', approvedBy: 'alice', change: { number: expect.stringMatching(/^CHG/) } });
  expect((done.structuredContent as { devices: { status: string }[] }).devices.map((d) => d.status)).toEqual(['verified', 'verified']);
});

it('a CORE device needs admin: nina is refused before any workflow starts', async () => {
  const nina = await h.client('nina');
  const r = (await nina.callTool({
    name: 'start_deployment_workflow',
    arguments: { template_id: TEMPLATE, device_ids: ['de000000-0000-4000-8000-000000000001'], params: { interface: 'Gi1/0/5', description: 'x' } },
  })) as CallToolResult;
  expect(r.isError).toBe(true);
  expect(r.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')).toMatch(/CORE/);
});

/** An SDK client on 2026-07-28 that declares the Tasks extension; raw JSON bodies are kept (the SDK client cannot decode `resultType: "task"`). */
async function taskClient(user: string): Promise<RecordingClient> {
  return connectRecordingClient(h.server.publicUrl, await h.token(user), { name: 'task-test', extensions: { [TASKS_EXTENSION]: {} } });
}
const Task = z.looseObject({ taskId: z.string(), status: z.string(), statusMessage: z.string().optional(), result: z.looseObject({}).optional() });
/** The arguments of a new deployment: each call its own idempotency key (the same call repeated would return the first deployment). */
const start = (): Record<string, unknown> => ({ template_id: TEMPLATE, device_ids: ACCESS, params: { interface: 'Gi1/0/6', description: 'as a task' }, correlation_id: `test-${randomUUID()}` });

async function startAsTask(user: string): Promise<{ taskId: string; created: Record<string, unknown>; client: Client }> {
  const { c, bodies } = await taskClient(user);
  await expect(c.callTool({ name: 'start_deployment_workflow', arguments: start() })).rejects.toThrow(/task/);
  const created = bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task');
  if (created === undefined) throw new Error(`no task handle in ${JSON.stringify(bodies)}`);
  return { taskId: String(created['taskId']), created, client: c };
}

async function pollTask(c: Client, taskId: string, until: (t: z.infer<typeof Task>) => boolean, timeoutMs = 40_000): Promise<z.infer<typeof Task>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await c.request({ method: 'tasks/get', params: { taskId } }, Task);
    if (until(t)) return t;
    if (Date.now() > deadline) throw new Error(`task ${taskId} stuck at ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('Tasks extension (2026-07-28): the deployment is a task — polled to completion with status messages, final result inline', async () => {
  const { taskId, created, client: nina } = await startAsTask('nina');
  expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: null, pollIntervalMs: 2000 });
  expect(taskId).toMatch(/^deploy-/);
  const waiting = await pollTask(nina, taskId, (t) => /waiting for approval/.test(t.statusMessage ?? ''));
  expect(waiting.statusMessage).toMatch(/waiting for approval by a second person in admin or change-approvers on change CHG\d+/);
  const alice = await h.client('alice');
  expect(((await alice.callTool({ name: 'approve_deployment_workflow', arguments: { workflow_id: taskId } })) as CallToolResult).isError).toBeFalsy();
  const done = await pollTask(nina, taskId, (t) => t.status !== 'working');
  expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { workflowId: taskId, outcome: 'succeeded', approvedBy: 'alice' } } });
  expect(done.result?.['isError']).toBeUndefined();
  // Alice (admin) may see it too; the tasks live in Temporal, not in this process.
  const { c: aliceTasks } = await taskClient('alice');
  expect(await aliceTasks.request({ method: 'tasks/get', params: { taskId } }, Task)).toMatchObject({ status: 'completed' });
});

it('Tasks extension: only the requester, approvers and admins see or cancel a task (policy); others get "not found"', async () => {
  const { taskId } = await startAsTask('nina');
  const { c: sam } = await taskClient('sam'); // service desk: network read, not a party to the deployment
  await expect(sam.request({ method: 'tasks/get', params: { taskId } }, Task)).rejects.toThrow(/Task not found/);
  await expect(sam.request({ method: 'tasks/cancel', params: { taskId } }, z.looseObject({}))).rejects.toThrow(/Task not found/);
  const { c: nina } = await taskClient('nina');
  await expect(nina.request({ method: 'tasks/get', params: { taskId: 'deploy-does-not-exist' } }, Task)).rejects.toThrow(/Task not found/);
  expect(await nina.request({ method: 'tasks/get', params: { taskId } }, Task)).toMatchObject({ taskId, status: 'working' });
  await nina.request({ method: 'tasks/cancel', params: { taskId } }, z.looseObject({}));
  expect(await pollTask(nina, taskId, (t) => t.status !== 'working')).toMatchObject({ status: 'cancelled' });
});

it('Tasks extension: tasks/cancel cancels the workflow with its compensation (the change is cancelled)', async () => {
  const { taskId, client: nina } = await startAsTask('nina');
  await pollTask(nina, taskId, (t) => /waiting for approval/.test(t.statusMessage ?? ''));
  await nina.request({ method: 'tasks/cancel', params: { taskId } }, z.looseObject({}));
  const t = await pollTask(nina, taskId, (x) => x.status !== 'working');
  expect(t).toMatchObject({ status: 'cancelled' });
  expect(t.statusMessage).toMatch(/cancelled by nina/);
  const change = itsm.state.tables.change_request.find((c) => c['correlation_id'] === taskId);
  expect(change?.['state']).toBe('4'); // canceled
});

it('Tasks extension: input_required — a failed batch asks the requester (elicitation), only the requester answers through tasks/update, the deployment resumes', async () => {
  const [down, up] = [ACCESS[0]!, ACCESS[1]!];
  const { c: nina, bodies } = await taskClient('nina');
  await expect(nina.callTool({ name: 'start_deployment_workflow', arguments: { ...start(), device_ids: [down, up], batch_size: 1, on_batch_failure: 'ask' } })).rejects.toThrow(/task/);
  const created = bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task');
  const taskId = String(created?.['taskId']);
  await pollTask(nina, taskId, (t) => /waiting for approval/.test(t.statusMessage ?? ''));
  // The first device goes down between validation and deployment: its batch fails.
  const device = h.sim.state.devices.find((d) => d.id === down)!;
  const before = device.reachabilityStatus;
  device.reachabilityStatus = 'Unreachable';
  try {
    const alice = await h.client('alice');
    expect(((await alice.callTool({ name: 'approve_deployment_workflow', arguments: { workflow_id: taskId } })) as CallToolResult).isError).toBeFalsy();
    const asking = await pollTask(nina, taskId, (t) => t.status === 'input_required');
    expect(asking.statusMessage).toMatch(/waiting for nina's decision: 1 device\(s\) failed.*after batch 1 of 2/);
    expect((asking as Record<string, unknown>)['inputRequests']).toEqual({
      'batch-0-failed': { method: 'elicitation/create', params: expect.objectContaining({ mode: 'form', requestedSchema: expect.objectContaining({ required: ['decision'] }) }) },
    });
    const answer = { 'batch-0-failed': { action: 'accept', content: { decision: 'continue' } } };
    // Alice (admin) sees the task but may not answer the requester's question (policy); sam may not even see it.
    const { c: aliceTasks } = await taskClient('alice');
    await expect(aliceTasks.request({ method: 'tasks/update', params: { taskId, inputResponses: answer } }, z.looseObject({}))).rejects.toThrow(/Task not found/);
    const { c: sam } = await taskClient('sam');
    await expect(sam.request({ method: 'tasks/update', params: { taskId, inputResponses: answer } }, z.looseObject({}))).rejects.toThrow(/Task not found/);
    // A malformed answer is refused, naming the field; nothing moves.
    await expect(nina.request({ method: 'tasks/update', params: { taskId, inputResponses: { 'batch-0-failed': { action: 'accept', content: { decision: 'maybe' } } } } }, z.looseObject({}))).rejects.toThrow(/inputResponses.batch-0-failed/);
    expect(await nina.request({ method: 'tasks/get', params: { taskId } }, Task)).toMatchObject({ status: 'input_required' });
    await nina.request({ method: 'tasks/update', params: { taskId, inputResponses: answer } }, z.looseObject({}));
    const done = await pollTask(nina, taskId, (t) => t.status !== 'working' && t.status !== 'input_required');
    expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { workflowId: taskId, outcome: 'succeeded' } } });
    const status = (await operators.status(taskId)).progress!;
    expect(status.answers).toEqual([{ by: 'nina', inputId: 'batch-0-failed', decision: 'continue' }]);
    expect(status.devices[down]?.status).toBe('failed');
    expect(status.devices[up]?.status).toBe('verified');
  } finally {
    device.reachabilityStatus = before;
  }
});

it('Tasks extension: deploy_template to several devices is a durable task (a pre-approved standard change) polled to completion; one device, CORE targets or no extension get the direct answer', async () => {
  const DEPLOY = { template_id: TEMPLATE, device_ids: ACCESS, params: { interface: 'Gi1/0/4', description: 'deploy_template task' } };
  const { c: nina, bodies } = await taskClient('nina');
  await expect(nina.callTool({ name: 'deploy_template', arguments: DEPLOY })).rejects.toThrow(/task/);
  const created = bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task');
  const taskId = String(created?.['taskId']);
  expect(created).toMatchObject({ resultType: 'task', status: 'working', structuredContent: { workflowId: taskId, status: 'PENDING', deviceCount: 2 } });
  // Nobody approves: a standard change is pre-approved; the task runs to completion on its own.
  const done = await pollTask(nina, taskId, (t) => t.status !== 'working');
  expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { workflowId: taskId, outcome: 'succeeded', approvedBy: null } } });
  expect((await operators.status(taskId)).progress).toMatchObject({ changeType: 'standard', requester: 'nina', devices: { [ACCESS[0]!]: { status: 'verified' }, [ACCESS[1]!]: { status: 'verified' } } });
  expect(itsm.state.tables.change_request.filter((c) => c['correlation_id'] === taskId)).toEqual([expect.objectContaining({ type: 'standard', std_change_producer_version: 'std-catalyst-template-deployment', state: '3', close_code: 'successful' })]);
  // Policy on the task as on any deployment: the service desk does not see it.
  const { c: sam } = await taskClient('sam');
  await expect(sam.request({ method: 'tasks/get', params: { taskId } }, Task)).rejects.toThrow(/Task not found/);

  // One device: the direct deployment (a Catalyst task id), even with the extension.
  const { c: ninaAgain, bodies: more } = await taskClient('nina');
  const one = (await ninaAgain.callTool({ name: 'deploy_template', arguments: { ...DEPLOY, device_ids: [ACCESS[0]!] } })) as CallToolResult;
  expect(one.structuredContent).toMatchObject({ taskId: expect.any(String), status: 'PENDING', deviceCount: 1 });
  expect((one.structuredContent as Record<string, unknown>)['workflowId']).toBeUndefined();
  expect(more.some((b) => (b as { result?: Record<string, unknown> }).result?.['resultType'] === 'task')).toBe(false);
  // CORE among the targets: never a standard change (policy) — an admin's deployment stays direct, as authorized.
  const { c: alice } = await taskClient('alice');
  const core = (await alice.callTool({ name: 'deploy_template', arguments: { ...DEPLOY, device_ids: [ACCESS[0]!, 'de000000-0000-4000-8000-000000000001'] } })) as CallToolResult;
  expect(core.structuredContent).toMatchObject({ taskId: expect.any(String), deviceCount: 2 });
  expect((core.structuredContent as Record<string, unknown>)['workflowId']).toBeUndefined();
  // Without the extension (2025-11-25): today's direct answer.
  const legacy = await h.client('nina', 'legacy');
  const direct = (await legacy.callTool({ name: 'deploy_template', arguments: DEPLOY })) as CallToolResult;
  expect(direct.structuredContent).toMatchObject({ taskId: expect.any(String), deviceCount: 2 });
  expect((direct.structuredContent as Record<string, unknown>)['workflowId']).toBeUndefined();
});

it('Tasks extension: deploy_template as a task is idempotent — concurrent identical calls (a retry, another replica) answer one deployment with one standard change; other arguments or another caller start their own', async () => {
  const DEPLOY = { template_id: TEMPLATE, device_ids: ACCESS, params: { interface: 'Gi1/0/5', description: `retry ${randomUUID().slice(0, 8)}` } };
  const taskOf = (bodies: unknown[]) => bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task');
  const callers = await Promise.all(Array.from({ length: 5 }, () => taskClient('nina')));
  await Promise.all(callers.map(({ c }) => c.callTool({ name: 'deploy_template', arguments: DEPLOY }).catch(() => undefined)));
  const answers = callers.map(({ bodies }) => taskOf(bodies));
  const ids = new Set(answers.map((a) => String(a?.['taskId'])));
  expect(ids.size).toBe(1);
  const [taskId] = [...ids] as [string];
  expect(taskId).toMatch(/^deploy-auto-/);
  // Exactly one call started it; every other one was told it answers the existing deployment.
  expect(answers.map((a) => (a?.['structuredContent'] as Record<string, unknown>)['created']).sort()).toEqual([false, false, false, false, true]);
  const done = await pollTask(callers[0]!.c, taskId, (t) => t.status !== 'working');
  expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { workflowId: taskId, outcome: 'succeeded' } } });
  expect(itsm.state.tables.change_request.filter((c) => c['correlation_id'] === taskId)).toHaveLength(1);

  // Other arguments: another deployment. Another caller with the same arguments: their own deployment.
  const other = await taskClient('nina');
  await other.c.callTool({ name: 'deploy_template', arguments: { ...DEPLOY, params: { ...DEPLOY.params, description: `${DEPLOY.params.description} b` } } }).catch(() => undefined);
  const alice = await taskClient('alice');
  await alice.c.callTool({ name: 'deploy_template', arguments: DEPLOY }).catch(() => undefined);
  const otherId = String(taskOf(other.bodies)?.['taskId']);
  const aliceId = String(taskOf(alice.bodies)?.['taskId']);
  expect(new Set([taskId, otherId, aliceId]).size).toBe(3);
  for (const [c, id] of [[other.c, otherId], [alice.c, aliceId]] as const) {
    await expect(pollTask(c, id, (t) => t.status !== 'working')).resolves.toMatchObject({ status: 'completed' });
  }
});

it('Tasks extension: a plan touching CORE devices goes to input_required before the change is opened; declining cancels it', async () => {
  const { c: alice, bodies } = await taskClient('alice');
  const core = 'de000000-0000-4000-8000-000000000001';
  await expect(alice.callTool({ name: 'start_deployment_workflow', arguments: { ...start(), device_ids: [ACCESS[0]!, core] } })).rejects.toThrow(/task/);
  const taskId = String(bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task')?.['taskId']);
  const asking = await pollTask(alice, taskId, (t) => t.status === 'input_required');
  expect(asking.statusMessage).toMatch(/waiting for alice's decision: This deployment .* touches 1 CORE device/);
  expect((asking as Record<string, unknown>)['inputRequests']).toEqual({
    'core-plan': { method: 'elicitation/create', params: expect.objectContaining({ mode: 'form', requestedSchema: expect.objectContaining({ properties: { decision: expect.objectContaining({ enum: ['continue', 'cancel'] }) } }) }) },
  });
  expect(itsm.state.tables.change_request.filter((c) => c['correlation_id'] === taskId)).toHaveLength(0);
  await alice.request({ method: 'tasks/update', params: { taskId, inputResponses: { 'core-plan': { action: 'decline' } } } }, z.looseObject({}));
  const done = await pollTask(alice, taskId, (t) => t.status !== 'working' && t.status !== 'input_required');
  expect(done).toMatchObject({ status: 'cancelled', statusMessage: expect.stringMatching(/alice cancelled the CORE plan/) });
  expect(itsm.state.tables.change_request.filter((c) => c['correlation_id'] === taskId)).toHaveLength(0);
});

it("on_batch_failure 'ask' without the Tasks extension is refused before anything starts (nobody could answer)", async () => {
  const nina = await h.client('nina');
  const r = (await nina.callTool({ name: 'start_deployment_workflow', arguments: { ...start(), on_batch_failure: 'ask' } })) as CallToolResult;
  expect(r.isError).toBe(true);
  expect(r.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')).toMatch(/needs the Tasks extension/);
});

it('a caller without the Tasks extension gets today\'s answer (2026-07-28 without it, and 2025-11-25)', async () => {
  for (const mode of ['modern', 'legacy'] as const) {
    const nina = await h.client('nina', mode);
    const r = (await nina.callTool({ name: 'start_deployment_workflow', arguments: start() })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ workflowId: expect.stringMatching(/^deploy-/), step: 'started' });
    expect((r as Record<string, unknown>)['resultType']).toBeUndefined();
    await operators.cancel(String((r.structuredContent as { workflowId: string }).workflowId), await h.token('nina', DEFAULT_WORKER_AUDIENCE), 'test done').catch(() => undefined);
  }
});

it('2025-11-25: a call that waits on the workflow sends progress notifications to a caller with a progressToken', async () => {
  const nina = await h.client('nina', 'legacy');
  const started = (await nina.callTool({ name: 'start_deployment_workflow', arguments: start() })) as CallToolResult;
  const { workflowId } = started.structuredContent as { workflowId: string };
  // Approve at once (the Update waits for the change to be open), then wait on the workflow with progress.
  await operators.approve(workflowId, await h.token('alice', DEFAULT_WORKER_AUDIENCE));
  const seen: { progress: number; total?: number; message?: string }[] = [];
  const r = (await nina.callTool({ name: 'get_deployment_workflow', arguments: { workflow_id: workflowId, wait_seconds: 45 } }, { onprogress: (p: { progress: number; total?: number; message?: string }) => void seen.push(p), timeout: 60_000 })) as CallToolResult;
  expect(r.structuredContent).toMatchObject({ status: 'COMPLETED', outcome: 'succeeded' });
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.map((p) => p.progress)).toEqual([...seen.map((p) => p.progress)].sort((a, b) => a - b)); // only grows
  expect(seen.at(-1)).toMatchObject({ progress: seen.at(-1)?.total });
  expect(seen.some((p) => /deploying|verifying|closing|deployed/.test(p.message ?? ''))).toBe(true);
});

it('get_deployment_workflow shows a deployment to its requester, approvers and admins only (policy)', async () => {
  const nina = await h.client('nina');
  const started = (await nina.callTool({ name: 'start_deployment_workflow', arguments: start() })) as CallToolResult;
  const { workflowId } = started.structuredContent as { workflowId: string };
  const sam = await h.client('sam');
  const refused = (await sam.callTool({ name: 'get_deployment_workflow', arguments: { workflow_id: workflowId } })) as CallToolResult;
  expect(refused.isError).toBe(true);
  expect(refused.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')).toMatch(/only the requester, approvers and admins/);
  const alice = await h.client('alice');
  expect(((await alice.callTool({ name: 'get_deployment_workflow', arguments: { workflow_id: workflowId } })) as CallToolResult).structuredContent).toMatchObject({ workflowId, requester: 'nina' });
  await operators.cancel(workflowId, await h.token('nina', DEFAULT_WORKER_AUDIENCE), 'test done');
});
