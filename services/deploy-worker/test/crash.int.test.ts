/**
 * Durability: the worker (a real `src/main.ts` child process) is SIGKILLed in the middle of the
 * deploy step and started again. The workflow completes, and the simulators record exactly one
 * change request and one deployment per device: the retried deploy activity follows the Catalyst
 * task id it had heartbeated instead of deploying again.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDeploymentClient, type DeploymentClient } from '@mcp-platform/deployment-contract';
import { writeWorkflowBundle } from '../src/worker.ts';
import { SEED, freePort, spawnWorker, startIdentity, startSimulators, startTemporalDevServer, type DevServer, type IdentityFixture, type Simulators, type SpawnedWorker } from './fixtures.ts';
import { startAll, until } from '@mcp-platform/test-support';

const TASK_QUEUE = 'deploy-crash';
let server: DevServer;
let sims: Simulators;
let identity: IdentityFixture;
/** The prebuilt workflow bundle the worker runs (as in the image) and where it serves the SDK's metrics. */
let bundlePath: string;
let metricsAddress: string;
let client: Client;
let deployments: DeploymentClient;
const workers: ChildProcess[] = [];

function startWorker(): SpawnedWorker {
  const worker = spawnWorker(
    { temporalAddress: server.address, taskQueue: TASK_QUEUE, identity, sims, bundlePath },
    { TEMPORAL_METRICS_BIND_ADDRESS: metricsAddress, WORKER_STICKY_TIMEOUT_MS: '1000', LOG_LEVEL: 'info' },
  );
  workers.push(worker.child);
  return worker;
}

beforeAll(async () => {
  bundlePath = join(await mkdtemp(join(tmpdir(), 'deploy-bundle-')), 'workflow-bundle.js');
  metricsAddress = `127.0.0.1:${await freePort()}`;
  [server, sims, identity] = await startAll([startTemporalDevServer(), startSimulators({ taskDurationMs: 6_000 }), startIdentity(), writeWorkflowBundle(bundlePath)]);
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  deployments = createDeploymentClient(client, TASK_QUEUE);
}, 120_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await client?.connection.close();
  await sims?.stop();
  await identity?.stop();
  await server?.stop();
});

it('completes after the worker is killed mid-deploy, with one ticket and one deployment per device', async () => {
  const devices = SEED.access.slice(0, 2);
  // Started while no worker polls: nobody verifies the requester within verifyTimeoutMs, yet the workflow
  // exists and will run — start answers its id (an error here would report a write failed after it happened).
  const id = await deployments.start(
    { templateId: SEED.template, deviceIds: devices, params: { interface: 'Gi1/0/2', description: 'crash test' }, credential: await identity.credential('nina'), batchSize: 5, pollIntervalMs: 200, heartbeatTimeoutMs: 2_000, approvalTimeoutMs: 120_000 },
    { workflowId: 'deploy-crash', verifyTimeoutMs: 1_000 },
  );
  expect(id).toBe('deploy-crash');
  expect((await deployments.status(id, { summaryOnly: true })).status).toBe('RUNNING');
  const first = startWorker();
  // The worker process starts now: its boot (seconds on a busy machine) is inside this wait.
  await until('awaiting approval', async () => ((await deployments.status(id)).progress?.step === 'awaiting_approval' ? true : undefined), { timeoutMs: 150_000 });
  expect((await deployments.approve(id, await identity.credential('alice'))).allowed).toBe(true);

  // Kill once Temporal holds the heartbeated Catalyst task id of the running deploy.
  await until('a heartbeated deploy', async () => {
    const d = await client.workflow.getHandle(id).describe();
    const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'deployBatch');
    return pending?.heartbeatDetails?.payloads?.length ? true : undefined;
  });
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const accepted = () => sims.catalyst.state.deployments.filter((d) => d.outcome === 'accepted');
  expect(accepted()).toHaveLength(1);
  const [deployment] = [...sims.catalyst.state.deploymentsById.values()];
  expect(Date.now()).toBeLessThan(deployment!.endTime); // really mid-deploy: the Catalyst task is still running

  const second = startWorker();
  const result = await deployments.result(id);
  expect(result.outcome).toBe('succeeded');
  expect(Object.values(result.progress.devices).map((d) => d.status)).toEqual(['verified', 'verified']);
  expect(accepted()).toHaveLength(1);
  const targets = accepted().flatMap((r) => (r.body as { targetInfo: { id: string }[] }).targetInfo.map((t) => t.id));
  expect(targets.sort()).toEqual([...devices].sort());
  expect(sims.servicenow.state.tables.change_request.filter((c) => c['correlation_id'] === id)).toHaveLength(1);
  expect(second.output()).toContain('deployment-deploy-batch-resumed');
  // The SDK's own metrics reach Prometheus: task slots and polls of this task queue, workflow completions.
  const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  expect(metrics).toMatch(/^temporal_workflow_completed\{[^}]*task_queue="deploy-crash"[^}]*\} [1-9]/m);
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
}, 300_000);
