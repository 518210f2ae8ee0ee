/**
 * `start_deployment_workflow` is idempotent: the workflow id derives from the caller's idempotency key
 * (`correlation_id`, or caller + arguments per 10-minute window) and the principal, and Temporal starts it
 * with `WorkflowIdConflictPolicy.USE_EXISTING` / `WorkflowIdReusePolicy.REJECT_DUPLICATE`. Adversarial:
 * concurrent identical starts on two mcp-network replicas (each its own process, no shared Redis, so only
 * Temporal serialises them) yield exactly one workflow and every answer names it; the same key with other
 * arguments is refused and starts nothing, also when racing the first; another principal's same key is
 * another deployment; a repeat after the deployment closed returns it; a task caller gets the same task.
 */
import { randomUUID } from 'node:crypto';
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { connectRecordingClient, freePort, serviceProcess, startTemporalDevServer, type DevServer, type ServiceProcess } from '@mcp-platform/test-support';
import { connectClient, createDeploymentClient, DEFAULT_WORKER_AUDIENCE, type DeploymentClient, type TemporalConfig } from '@mcp-platform/deployment-contract';
import { TASKS_EXTENSION } from '@mcp-platform/mcp-common/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type NetworkHarness } from './harness.ts';
import { startHarnessWorker, type HarnessWorker } from './worker.ts';

const TASK_QUEUE = 'network-idempotent-start';
const DEVICE = SEED_IDS.devices.sjc01Acc01;
let temporal: DevServer;
let h: NetworkHarness;
let replica: ServiceProcess;
let worker: HarnessWorker;
let temporalClient: Awaited<ReturnType<typeof connectClient>>;
let operators: DeploymentClient;

beforeAll(async () => {
  temporal = await startTemporalDevServer();
  h = await startHarness({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE });
  // Replica B: its own process, same public URL (= token audience) as replica A, no REDIS_URL: the two
  // replicas share no lock, so concurrent starts meet only in Temporal.
  replica = serviceProcess('mcp-network', await freePort(), {
    OIDC_ISSUER: h.idp.issuer,
    OPA_URL: h.opa.url,
    AUTHZ_CACHE_TTL_MS: '0',
    PUBLIC_URL: h.server.publicUrl,
    CATALYST_BASE_URL: h.sim.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
  }, { startTimeoutMs: 120_000 });
  worker = await startHarnessWorker(h, { temporalAddress: temporal.address, taskQueue: TASK_QUEUE });
  await replica.start();
  const config: TemporalConfig = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: TASK_QUEUE, TEMPORAL_TLS: false, DEPLOY_WORKER_AUDIENCE: DEFAULT_WORKER_AUDIENCE };
  temporalClient = await connectClient(config);
  operators = createDeploymentClient(temporalClient, TASK_QUEUE);
}, 300_000);

afterAll(async () => {
  await worker?.stop();
  await operators?.close();
  await replica?.stop();
  await h?.stop();
  await temporal?.stop();
});

interface Answer {
  ok: boolean;
  structured?: { workflowId: string; created: boolean };
  code?: string;
  text?: string;
}

/** One raw `tools/call` (no session, as a load balancer's client sends it) to replica A or B. */
async function startOn(replicaUrl: string, user: string, args: Record<string, unknown>): Promise<Answer> {
  const token = await h.token(user, undefined, { acr: 'mfa' });
  const res = await fetch(replicaUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'start_deployment_workflow', arguments: args },
    }),
  });
  const text = await res.text();
  const json = text.trimStart().startsWith('{') ? text : (text.split('\n').findLast((l) => l.startsWith('data:')) ?? 'data:{}').slice(5);
  const body = JSON.parse(json) as {
    result?: { isError?: boolean; content?: { text?: string }[]; _meta?: Record<string, { code?: string }>; structuredContent?: Answer['structured'] };
    error?: { message: string };
  };
  if (body.error) return { ok: false, text: body.error.message };
  const r = body.result ?? {};
  if (r.isError) return { ok: false, code: r._meta?.['io.mcp-platform/error']?.code ?? 'tool-error', text: r.content?.map((c) => c.text ?? '').join(' ') ?? '' };
  return { ok: true, ...(r.structuredContent ? { structured: r.structuredContent } : {}) };
}

/** The start as a 2026-07-28 SDK client declaring the Tasks extension would send it: the task id it is answered with. */
async function startAsTask(replicaUrl: string, user: string, args: Record<string, unknown>): Promise<string> {
  const { c, bodies } = await connectRecordingClient(replicaUrl, await h.token(user, undefined, { acr: 'mfa' }), { name: 'idempotent-start-test', extensions: { [TASKS_EXTENSION]: {} } });
  try {
    // The SDK client cannot decode `resultType: "task"`; the raw body has it.
    await c.callTool({ name: 'start_deployment_workflow', arguments: args }).catch(() => undefined);
  } finally {
    await c.close();
  }
  const created = bodies.map((b) => (b as { result?: Record<string, unknown> }).result).find((r) => r?.['resultType'] === 'task');
  if (created === undefined) throw new Error(`no task handle in ${JSON.stringify(bodies)}`);
  return String(created['taskId']);
}

const urlA = () => h.server.publicUrl;
const urlB = () => `${replica.url}/mcp`;
const request = (description: string, extra: Record<string, unknown> = {}) => ({ template_id: SEED_IDS.templates.interfaceDescription, device_ids: [DEVICE], params: { interface: 'Gi1/0/9', description }, ...extra });

/** Every deployment workflow Temporal ran whose start carried `description` (read from Temporal, not from the answers). */
async function workflowsCarrying(description: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of temporalClient.workflow.list({ query: `WorkflowType = 'templateDeploymentWorkflow'` })) {
    const history = await temporalClient.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    if (input.some((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8').includes(`"${description}"`))) ids.push(wf.workflowId);
  }
  return ids;
}

async function stop(workflowId: string): Promise<void> {
  await operators.cancel(workflowId, await h.token('nina', DEFAULT_WORKER_AUDIENCE), 'test done').catch(() => undefined);
  await operators.result(workflowId).catch(() => undefined);
}

it('8 concurrent identical starts (same correlation_id) on two replicas: one workflow, every answer names it, one says created', async () => {
  const marker = `idem-${randomUUID()}`;
  const args = request(marker, { correlation_id: marker });
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => startOn(i % 2 === 0 ? urlA() : urlB(), 'nina', args)));
  expect(answers.map((a) => a.ok)).toEqual(Array(8).fill(true));
  const ids = new Set(answers.map((a) => a.structured?.workflowId));
  expect(ids.size).toBe(1);
  const [workflowId] = [...ids] as [string];
  expect(workflowId).toMatch(/^deploy-key-[0-9a-f]{32}$/);
  expect(answers.filter((a) => a.structured?.created === true)).toHaveLength(1);
  // Temporal itself holds exactly one run under that id, and no other workflow carries the marker.
  const runs: string[] = [];
  for await (const wf of temporalClient.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(wf.runId);
  expect(runs).toHaveLength(1);
  expect(await workflowsCarrying(marker)).toEqual([workflowId]);
  // A task caller repeating the start gets the same deployment as its task (the task id is the workflow id).
  expect(await startAsTask(urlB(), 'nina', args)).toBe(workflowId);
  // The deployment goes on as one: it awaits approval on a single change request.
  await expect.poll(async () => (await operators.status(workflowId)).progress?.step, { timeout: 30_000 }).toBe('awaiting_approval');
  expect(worker.itsm.state.tables.change_request.filter((c) => c['correlation_id'] === workflowId)).toHaveLength(1);
  await stop(workflowId);
  // A repeat after the deployment closed still returns it (REJECT_DUPLICATE): nothing new starts.
  const again = await startOn(urlA(), 'nina', args);
  expect(again).toMatchObject({ ok: true, structured: { workflowId, created: false } });
  expect(await workflowsCarrying(marker)).toEqual([workflowId]);
}, 180_000);

it('6 concurrent identical starts without a correlation_id (the generated key): one workflow', async () => {
  const marker = `auto-${randomUUID()}`;
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => startOn(i % 2 === 0 ? urlA() : urlB(), 'nina', request(marker))));
  expect(answers.every((a) => a.ok)).toBe(true);
  const ids = new Set(answers.map((a) => a.structured?.workflowId));
  expect(ids.size).toBe(1);
  const [workflowId] = [...ids] as [string];
  expect(workflowId).toMatch(/^deploy-auto-/);
  expect(answers.filter((a) => a.structured?.created === true)).toHaveLength(1);
  expect(await workflowsCarrying(marker)).toEqual([workflowId]);
  await stop(workflowId);
}, 180_000);

it('the same correlation_id with different arguments is refused, names the field, and starts nothing — also when racing the first', async () => {
  const key = `conflict-${randomUUID()}`;
  const first = await startOn(urlA(), 'nina', request(`${key}-a`, { correlation_id: key }));
  expect(first.ok).toBe(true);
  const workflowId = first.structured?.workflowId ?? '';
  const other = await startOn(urlB(), 'nina', request(`${key}-b`, { correlation_id: key }));
  expect(other).toMatchObject({ ok: false, code: 'ERR_VALIDATION' });
  expect(other.text).toMatch(/correlation_id: already used for a different deployment request/);
  expect(other.text).toMatch(/nothing was started/);
  // Different device, other batch size: still the key's, still refused.
  expect(await startOn(urlA(), 'nina', request(`${key}-a`, { correlation_id: key, batch_size: 2 }))).toMatchObject({ ok: false, code: 'ERR_VALIDATION' });
  expect(await workflowsCarrying(`${key}-b`)).toEqual([]);
  // The first deployment is untouched: the same request still returns it.
  expect(await startOn(urlB(), 'nina', request(`${key}-a`, { correlation_id: key }))).toMatchObject({ ok: true, structured: { workflowId, created: false } });
  await stop(workflowId);

  // Racing: two different requests under one fresh key at the same moment on two replicas — exactly one wins.
  const raced = `race-${randomUUID()}`;
  const [x, y] = await Promise.all([startOn(urlA(), 'nina', request(`${raced}-x`, { correlation_id: raced })), startOn(urlB(), 'nina', request(`${raced}-y`, { correlation_id: raced }))]);
  expect([x, y].filter((a) => a.ok)).toHaveLength(1);
  expect([x, y].filter((a) => !a.ok).map((a) => a.code)).toEqual(['ERR_VALIDATION']);
  const winner = (x.ok ? x : y).structured?.workflowId ?? '';
  expect([...(await workflowsCarrying(`${raced}-x`)), ...(await workflowsCarrying(`${raced}-y`))]).toEqual([winner]);
  await stop(winner);
}, 180_000);

it("another principal's same correlation_id is their own deployment, not a way into nina's", async () => {
  const key = `shared-${randomUUID()}`;
  const nina = await startOn(urlA(), 'nina', request(`${key}-n`, { correlation_id: key }));
  const alice = await startOn(urlB(), 'alice', request(`${key}-n`, { correlation_id: key }));
  expect(nina.ok && alice.ok).toBe(true);
  expect(alice.structured?.workflowId).not.toBe(nina.structured?.workflowId);
  expect(alice.structured?.created).toBe(true);
  expect((await operators.status(alice.structured?.workflowId ?? '')).requester).toBe('alice');
  expect((await operators.status(nina.structured?.workflowId ?? '')).requester).toBe('nina');
  await stop(nina.structured?.workflowId ?? '');
  await operators.cancel(alice.structured?.workflowId ?? '', await h.token('alice', DEFAULT_WORKER_AUDIENCE), 'test done').catch(() => undefined);
}, 180_000);

it('the client: 10 concurrent startOnce with one id reach Temporal together and start one workflow', async () => {
  const workflowId = `deploy-key-client-${randomUUID()}`;
  const starts = await Promise.all(
    Array.from({ length: 10 }, async () =>
      operators.startOnce(
        { templateId: SEED_IDS.templates.interfaceDescription, deviceIds: [DEVICE], params: { interface: 'Gi1/0/9', description: workflowId }, credential: await h.token('nina', DEFAULT_WORKER_AUDIENCE) },
        { workflowId, requestHash: 'same-request' },
      ),
    ),
  );
  expect(starts.map((s) => s.workflowId)).toEqual(Array(10).fill(workflowId));
  expect(starts.filter((s) => s.created)).toHaveLength(1);
  await expect(
    operators.startOnce(
      { templateId: SEED_IDS.templates.interfaceDescription, deviceIds: [DEVICE], params: { interface: 'Gi1/0/9', description: 'other' }, credential: await h.token('nina', DEFAULT_WORKER_AUDIENCE) },
      { workflowId, requestHash: 'another-request' },
    ),
  ).rejects.toMatchObject({ code: 'ERR_VALIDATION', workflowId });
  await stop(workflowId);
}, 180_000);
