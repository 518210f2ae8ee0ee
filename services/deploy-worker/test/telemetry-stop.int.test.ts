/**
 * Spans are not lost at stop: the worker (a real `src/main.ts` child process, tracing to an in-test OTLP
 * receiver) runs a deployment to its end and is sent SIGTERM right after. Its batch span processor holds the
 * spans of that workflow (the workflow's own span recorded in the sandbox, each activity's spans) — with a
 * schedule delay far longer than the test, nothing leaves on the timer — so they reach the receiver only if
 * the worker flushes its telemetry while stopping, before the process ends.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startAll, startOtlpReceiver, until, type OtlpReceiver } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDeploymentClient, type DeploymentClient } from '@mcp-platform/deployment-contract';
import { writeWorkflowBundle } from '../src/worker.ts';
import { SEED, spawnWorker, startIdentity, startSimulators, startTemporalDevServer, type DevServer, type IdentityFixture, type Simulators } from './fixtures.ts';

const TASK_QUEUE = 'deploy-telemetry-stop';
let server: DevServer;
let sims: Simulators;
let identity: IdentityFixture;
let otlp: OtlpReceiver;
let bundlePath: string;
let client: Client;
let deployments: DeploymentClient;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  bundlePath = join(await mkdtemp(join(tmpdir(), 'deploy-bundle-')), 'workflow-bundle.js');
  [server, sims, identity, otlp] = await startAll([startTemporalDevServer(), startSimulators({ taskDurationMs: 150 }), startIdentity(), startOtlpReceiver(), writeWorkflowBundle(bundlePath)]);
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  deployments = createDeploymentClient(client, TASK_QUEUE);
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await client?.connection.close();
  await Promise.allSettled([sims?.stop(), identity?.stop(), otlp?.close()]);
  await server?.stop();
});

it('SIGTERM right after a workflow ran: its RunWorkflow and activity spans reach the OTLP receiver before the process exits', async () => {
  const spawned = spawnWorker(
    { temporalAddress: server.address, taskQueue: TASK_QUEUE, identity, sims, bundlePath },
    {
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Nothing leaves on the batch timer during the test: only a flush at stop delivers.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    },
  );
  worker = spawned.child;

  const id = await deployments.start(
    { templateId: SEED.template, deviceIds: [SEED.access[0] as string], params: { interface: 'Gi1/0/3', description: 'telemetry at stop' }, credential: await identity.credential('nina'), batchSize: 5, pollIntervalMs: 200, approvalTimeoutMs: 120_000 },
    { workflowId: 'deploy-telemetry-stop', verifyTimeoutMs: 1_000 },
  );
  await until('awaiting approval', async () => ((await deployments.status(id)).progress?.step === 'awaiting_approval' ? true : undefined), { timeoutMs: 150_000 });
  expect((await deployments.approve(id, await identity.credential('alice'))).allowed).toBe(true);
  expect((await deployments.result(id)).outcome).toBe('succeeded');

  const fromWorker = () => otlp.spans().filter((s) => s.service === 'deploy-worker');
  // Still buffered in the worker (the batch timer is 10 min away).
  expect(fromWorker()).toEqual([]);
  worker.kill('SIGTERM');
  expect(await spawned.exited, spawned.output()).toBe(0);

  // Delivered before the process ended (no waiting for stragglers): the workflow's span and, in its trace,
  // Temporal's span of every activity it ran and the platform's own activity spans naming the workflow.
  const spans = fromWorker();
  const run = spans.find((s) => s.name === 'RunWorkflow:templateDeploymentWorkflow' && s.attributes['temporal.workflow.id'] === id);
  expect(run, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
  const inTrace = spans.filter((s) => s.traceId === run?.traceId);
  expect(inTrace.filter((s) => s.name.startsWith('RunActivity:')).length).toBeGreaterThan(3);
  expect(inTrace.filter((s) => s.attributes['temporal.workflow.id'] === id && s.name !== run?.name).length).toBeGreaterThan(3);
}, 300_000);
