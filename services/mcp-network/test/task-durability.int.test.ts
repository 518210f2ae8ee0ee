/**
 * Durability of deployment tasks (SEP-2663) across processes: the task lives in Temporal, not in
 * the MCP server that created it. A deployment started as a task on one mcp-network replica is
 * read from a second replica (its own process, same public URL as behind a load balancer); the
 * deploy worker (its own process) is SIGKILLed mid-deploy, both replicas still report the step (from the
 * workflow's memo), the second replica is restarted while no worker runs, a new worker is started — and the task completes with one change request and
 * one deployment per device, readable from either replica.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { TASKS_EXTENSION } from '@mcp-platform/mcp-common/server';
import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { connectRecordingClient, type RecordingClient, freePort, serviceProcess, startTemporalDevServer, until, type DevServer, type ServiceProcess, type UntilOptions } from '@mcp-platform/test-support';
import { connectClient, DEFAULT_WORKER_AUDIENCE, type TemporalConfig } from '@mcp-platform/deployment-contract';
import { z } from 'zod';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type NetworkHarness } from './harness.ts';

const TASK_QUEUE = 'network-task-durability';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ACCESS = ['de000000-0000-4000-8000-000000000005', 'de000000-0000-4000-8000-000000000006'];
const TEMPLATE = '7e000000-0000-4000-8000-000000000001';
const Task = z.looseObject({ taskId: z.string(), status: z.string(), statusMessage: z.string().optional(), result: z.looseObject({}).optional() });
type Task = z.infer<typeof Task>;

let temporal: DevServer;
let itsm: ServiceNowSimulator;
let h: NetworkHarness;
let replica: ServiceProcess;
let temporalClient: Awaited<ReturnType<typeof connectClient>>;
let bundlePath: string;
const workers: ChildProcess[] = [];
const clients: Client[] = [];

/** The deploy worker as its own process (`services/deploy-worker/src/main.ts`, prebuilt workflow bundle as in the image); resolves once `/readyz` answers. */
async function startWorker(): Promise<{ child: ChildProcess; output: () => string }> {
  const healthPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/deploy-worker/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      OIDC_ISSUER: h.idp.issuer,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      WORKER_STICKY_TIMEOUT_MS: '1000',
      HEALTH_PORT: String(healthPort),
      CATALYST_BASE_URL: h.sim.url,
      SERVICENOW_INSTANCE_URL: itsm.url,
      AUTHZ_MODE: 'wasm',
      ALLOW_DEV_SECRETS: 'true',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`deploy worker exited (${String(child.exitCode)}): ${out.slice(-2_000)}`);
    const ready = await fetch(`http://127.0.0.1:${String(healthPort)}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ready) return { child, output: () => out };
    if (Date.now() > deadline) throw new Error(`deploy worker not ready: ${out.slice(-2_000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  bundlePath = join(await mkdtemp(join(tmpdir(), 'network-task-bundle-')), 'workflow-bundle.js');
  [temporal, itsm] = await Promise.all([
    startTemporalDevServer(),
    // The worker's DEV ONLY ServiceNow credentials (ALLOW_DEV_SECRETS) are the simulator's defaults.
    startServiceNowSimulator({ port: 0, username: 'admin', password: 'dev-only-servicenow-password' }),
    // The image's pre-bundled workflow code (`pnpm --filter @mcp-platform/deploy-worker bundle`), built once for both workers.
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'services/deploy-worker/src/bundle.ts', bundlePath], { cwd: ROOT }),
  ]);
  // Deployments run 8 s in the simulator: long enough to kill the worker in the middle of one.
  h = await startHarness({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE }, undefined, 8_000);
  // Replica B: its own process, same public URL (= token audience) as replica A, as behind a load balancer.
  replica = serviceProcess('mcp-network', await freePort(), {
    OIDC_ISSUER: h.idp.issuer,
    OPA_URL: h.opa.url,
    AUTHZ_CACHE_TTL_MS: '0',
    PUBLIC_URL: h.server.publicUrl,
    CATALYST_BASE_URL: h.sim.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
  }, { startTimeoutMs: 120_000 });
  await replica.start();
  const config: TemporalConfig = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: TASK_QUEUE, TEMPORAL_TLS: false, DEPLOY_WORKER_AUDIENCE: DEFAULT_WORKER_AUDIENCE };
  temporalClient = await connectClient(config);
}, 300_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await Promise.allSettled(clients.map((c) => c.close()));
  await temporalClient?.connection.close();
  await replica?.stop();
  await h?.stop();
  await itsm?.stop();
  await temporal?.stop();
});

/** A 2026-07-28 SDK client declaring the Tasks extension, connected to `url` (replica A's or B's `/mcp`); raw JSON bodies are kept. */
async function taskClient(user: string, url: string): Promise<RecordingClient> {
  const client = await connectRecordingClient(url, await h.token(user), { name: 'durability-test', extensions: { [TASKS_EXTENSION]: {} } });
  clients.push(client.c);
  return client;
}

/** How this test waits: up to 90 s, every 200 ms; a failing read fails the test at once. */
const WAIT: UntilOptions = { timeoutMs: 90_000, intervalMs: 200, retryErrors: false };

const getTask = (c: Client, taskId: string): Promise<Task> => c.request({ method: 'tasks/get', params: { taskId } }, Task);

it('a task started on replica A is read from replica B, survives SIGKILL of the worker mid-deploy and a restart of B, and completes with each device configured once', async () => {
  const first = await startWorker();
  const replicaUrl = `${replica.url}/mcp`;
  const { c: ninaOnA, bodies } = await taskClient('nina', h.server.publicUrl);
  await expect(
    ninaOnA.callTool({ name: 'start_deployment_workflow', arguments: { template_id: TEMPLATE, device_ids: ACCESS, params: { interface: 'Gi1/0/7', description: 'durable task' } } }),
  ).rejects.toThrow(/task/); // the SDK client cannot decode `resultType: "task"`; the raw body has it
  const created = bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task');
  const taskId = String(created?.['taskId']);
  expect(taskId).toMatch(/^deploy-/);

  // Replica B (another process) knows the task A created: the state is Temporal's.
  const { c: ninaOnB } = await taskClient('nina', replicaUrl);
  await until('waiting for approval (read on B)', async () => ((await getTask(ninaOnB, taskId)).statusMessage?.includes('waiting for approval') ? true : undefined), WAIT);
  // Policy holds on B as on A: the service desk does not see it.
  const { c: samOnB } = await taskClient('sam', replicaUrl);
  await expect(getTask(samOnB, taskId)).rejects.toThrow(/Task not found/);
  const alice = await taskClient('alice', replicaUrl);
  expect(((await alice.c.callTool({ name: 'approve_deployment_workflow', arguments: { workflow_id: taskId } })) as CallToolResult).isError).toBeFalsy();

  // Kill the worker once Temporal holds the heartbeated Catalyst task id of the running deploy.
  await until('a heartbeated deploy', async () => {
    const d = await temporalClient.workflow.getHandle(taskId).describe();
    return d.raw.pendingActivities?.find((a) => a.activityType?.name === 'deployBatch')?.heartbeatDetails?.payloads?.length ? true : undefined;
  }, WAIT);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const accepted = () => h.sim.state.deployments.filter((d) => d.outcome === 'accepted');
  expect(accepted()).toHaveLength(1);
  const [deployment] = [...h.sim.state.deploymentsById.values()];
  expect(Date.now()).toBeLessThan(deployment!.endTime); // really mid-deploy: the Catalyst task is still running

  // No worker: the replicas still answer for the task with its real step — the workflow keeps a summary of its
  // progress in its memo, read with describe() — and the policy still knows whose it is (the requester is in the
  // memo too). B is restarted meanwhile.
  const noWorker = { taskId, status: 'working', statusMessage: 'deploying: batch 1 of 1; 0 of 2 device(s) done, 0 failed' };
  expect(await getTask(ninaOnA, taskId)).toMatchObject(noWorker);
  await expect(getTask(samOnB, taskId)).rejects.toThrow(/Task not found/);
  await replica.stop();
  await replica.start();
  const { c: ninaOnRestartedB } = await taskClient('nina', replicaUrl);
  expect(await getTask(ninaOnRestartedB, taskId)).toMatchObject(noWorker);

  // A new worker picks the deployment up: it follows the heartbeated Catalyst task instead of deploying again.
  const second = await startWorker();
  const done = await until('the task to finish (read on the restarted B)', async () => {
    const t = await getTask(ninaOnRestartedB, taskId);
    return t.status === 'working' ? undefined : t;
  }, { ...WAIT, timeoutMs: 150_000 });
  expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { workflowId: taskId, outcome: 'succeeded', approvedBy: 'alice' } } });
  // Replica A answers the same final result.
  expect(await getTask(ninaOnA, taskId)).toEqual(done);
  // Each device configured exactly once, one change request.
  expect(accepted()).toHaveLength(1);
  const targets = accepted().flatMap((r) => (r.body as { targetInfo: { id: string }[] }).targetInfo.map((t) => t.id));
  expect(targets.sort()).toEqual([...ACCESS].sort());
  expect(itsm.state.tables.change_request.filter((c) => c['correlation_id'] === taskId)).toHaveLength(1);
  expect(second.output()).toContain('deployment-deploy-batch-resumed');
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
}, 400_000);
