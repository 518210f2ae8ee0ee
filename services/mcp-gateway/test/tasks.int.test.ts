/**
 * SEP-2663 tasks through the gateway: mcp-network's deployment workflow tool answers a task-capable
 * caller with a task (Temporal dev server, the deploy worker as its own process); the gateway passes the
 * extension through, prefixes the task id with the server, and routes tasks/get|cancel back to the
 * backend under the caller's exchanged identity, where the backend's policy decides.
 */
import { randomUUID } from 'node:crypto';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { TASKS_EXTENSION } from '@mcp-platform/mcp-common/server';
import { connectRecordingClient, type RecordingClient, startDeployWorkerProcess, startTemporalDevServer, type DevServer, type ServiceProcess } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { startGatewayHarness, type GatewayHarness } from './harness.ts';

const TASK_QUEUE = 'gateway-tasks';
const ACCESS = ['de000000-0000-4000-8000-000000000005', 'de000000-0000-4000-8000-000000000006'];
const TEMPLATE = '7e000000-0000-4000-8000-000000000001';
/** The arguments of a new deployment: each call its own idempotency key (the same call repeated would return the first deployment). */
const start = (): Record<string, unknown> => ({ template_id: TEMPLATE, device_ids: ACCESS, params: { interface: 'Gi1/0/7', description: 'through the gateway' }, reason: 'gateway task test', correlation_id: `test-${randomUUID()}` });
const Task = z.looseObject({ taskId: z.string(), status: z.string(), statusMessage: z.string().optional(), result: z.looseObject({}).optional() });

let temporal: DevServer;
let h: GatewayHarness;
let worker: ServiceProcess;

beforeAll(async () => {
  temporal = await startTemporalDevServer();
  h = await startGatewayHarness({}, { networkEnv: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE } });
  worker = await startDeployWorkerProcess({ temporalAddress: temporal.address, taskQueue: TASK_QUEUE, issuer: h.idp.issuer, catalystUrl: h.catalyst.url, servicenowUrl: h.servicenow.url });
}, 300_000);

afterAll(async () => {
  await worker?.stop();
  await h?.stop();
  await temporal?.stop();
});

/** A 2026-07-28 SDK client of the gateway that declares the Tasks extension; raw JSON bodies kept (the SDK client cannot decode `resultType: "task"`). */
async function taskClient(user: string): Promise<RecordingClient> {
  return connectRecordingClient(h.gatewayUrl, await h.token(user, undefined, { acr: 'mfa' }), { name: 'gateway-task-test', extensions: { [TASKS_EXTENSION]: {} } });
}

async function startAsTask(user: string): Promise<{ taskId: string; created: Record<string, unknown>; c: Client }> {
  const { c, bodies } = await taskClient(user);
  await expect(c.callTool({ name: 'network__start_deployment_workflow', arguments: start() })).rejects.toThrow(/task/);
  const created = bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task');
  if (created === undefined) throw new Error(`no task handle in ${JSON.stringify(bodies)}`);
  return { taskId: String(created['taskId']), created, c };
}

async function pollTask(c: Client, taskId: string, until: (t: z.infer<typeof Task>) => boolean, timeoutMs = 60_000): Promise<z.infer<typeof Task>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await c.request({ method: 'tasks/get', params: { taskId } }, Task);
    if (until(t)) return t;
    if (Date.now() > deadline) throw new Error(`task ${taskId} stuck at ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('advertises the Tasks extension and hands back a task whose id names the server; polled to completion through the gateway', async () => {
  const { c: probe } = await taskClient('nina');
  expect((probe.getServerCapabilities() as { extensions?: Record<string, unknown> } | undefined)?.extensions).toHaveProperty([TASKS_EXTENSION]);

  const { taskId, created, c: nina } = await startAsTask('nina');
  expect(created).toMatchObject({ resultType: 'task', status: 'working' });
  expect(taskId).toMatch(/^network__deploy-/);
  const waiting = await pollTask(nina, taskId, (t) => /waiting for approval/.test(t.statusMessage ?? ''));
  expect(waiting.taskId).toBe(taskId);
  // alice approves through the gateway with the workflow id the backend knows.
  const workflowId = taskId.slice('network__'.length);
  const alice = await h.connect(await h.token('alice', undefined, { acr: 'mfa' }));
  const approved = (await alice.callTool({ name: 'network__approve_deployment_workflow', arguments: { workflow_id: workflowId } })) as CallToolResult;
  expect(approved.isError).toBeFalsy();
  const done = await pollTask(nina, taskId, (t) => t.status !== 'working');
  expect(done).toMatchObject({ taskId, status: 'completed', result: { structuredContent: { workflowId, outcome: 'succeeded', approvedBy: 'alice' } } });
});

it("the backend's policy decides who sees or cancels a task; refusals and unknown ids look alike; the requester cancels", async () => {
  const { taskId } = await startAsTask('nina');
  const { c: sam } = await taskClient('sam'); // service desk: not a party to the deployment
  await expect(sam.request({ method: 'tasks/get', params: { taskId } }, Task)).rejects.toThrow(/Task not found/);
  await expect(sam.request({ method: 'tasks/cancel', params: { taskId } }, z.looseObject({}))).rejects.toThrow(/Task not found/);
  const { c: nina } = await taskClient('nina');
  for (const bogus of ['deploy-x', 'nowhere__deploy-x', 'network__deploy-does-not-exist']) {
    await expect(nina.request({ method: 'tasks/get', params: { taskId: bogus } }, Task)).rejects.toThrow(/Task not found/);
  }
  await nina.request({ method: 'tasks/cancel', params: { taskId } }, z.looseObject({}));
  expect(await pollTask(nina, taskId, (t) => t.status !== 'working')).toMatchObject({ taskId, status: 'cancelled' });
  const audited = h.logs.filter((l) => (l['event'] as { action?: string } | undefined)?.action === 'task' && (l['mcp'] as { task?: { id?: string } } | undefined)?.task?.id === taskId);
  expect(audited.map((l) => (l['event'] as { outcome?: string }).outcome)).toEqual(expect.arrayContaining(['success', 'failure']));
});

it('a caller without the extension gets the plain result, as before', async () => {
  const nina = await h.connect(await h.token('nina', undefined, { acr: 'mfa' }));
  const r = (await nina.callTool({ name: 'network__start_deployment_workflow', arguments: start() })) as CallToolResult;
  expect(r.isError).toBeFalsy();
  expect((r.structuredContent as { workflowId?: string }).workflowId).toMatch(/^deploy-/);
});
