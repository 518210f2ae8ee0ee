/**
 * The deployment workflow tools end to end: a real MCP client with a token from the dev IdP,
 * real OPA, mcp-network with TEMPORAL_ADDRESS, the real Temporal dev server and the deploy
 * worker (in-process) against the Catalyst Center and ServiceNow simulators.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { createCatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';
import { createServiceNowClient } from '@mcp-platform/connectors/servicenow';
import { createAuthorizerFromConfig } from '@mcp-platform/mcp-common/authz';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities, createServiceNowChangeManagement } from '../../deploy-worker/src/activities/index.ts';
import { connectClient, createDeploymentClient, type DeploymentClient, type TemporalConfig } from '../../deploy-worker/src/client.ts';
import { DEV_SECRETS as WORKER_SECRETS } from '../../deploy-worker/src/config.ts';
import { connectWorker } from '../../deploy-worker/src/connection.ts';
import { createDeploymentWorker } from '../../deploy-worker/src/worker.ts';
import { captureLogger, startSimulators, startTemporalDevServer, type DevServer, type Simulators } from '../../deploy-worker/test/fixtures.ts';
import { startHarness, type NetworkHarness } from './harness.ts';

const TASK_QUEUE = 'network-tools';
const ACCESS = ['de000000-0000-4000-8000-000000000005', 'de000000-0000-4000-8000-000000000006'];
const TEMPLATE = '7e000000-0000-4000-8000-000000000001';
let temporal: DevServer;
let itsm: Simulators;
let h: NetworkHarness;
let stopWorker: () => Promise<void>;
let operators: DeploymentClient;

beforeAll(async () => {
  [temporal, itsm] = await Promise.all([startTemporalDevServer(), startSimulators()]);
  h = await startHarness({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE });
  const config: TemporalConfig = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: TASK_QUEUE, TEMPORAL_TLS: false };
  const log = captureLogger();
  const activities = createActivities({
    catalyst: createCatalystCenterClient({ baseUrl: h.sim.url, credentials: async () => WORKER_SECRETS['catalyst-center'] }),
    itsm: createServiceNowChangeManagement(createServiceNowClient({ instanceUrl: itsm.servicenow.url, credentials: async () => WORKER_SECRETS.servicenow })),
    authorizer: createAuthorizerFromConfig({ AUTHZ_MODE: 'wasm', OPA_URL: 'http://127.0.0.1:8181', OPA_TIMEOUT_MS: 2000, AUTHZ_CACHE_TTL_MS: 0 }, { audit: log.logger }).call,
    logger: log.logger,
  });
  const connection = await connectWorker(config);
  const worker = await createDeploymentWorker({ connection, namespace: 'default', taskQueue: TASK_QUEUE, activities });
  const running = worker.run();
  stopWorker = async () => {
    worker.shutdown();
    await running;
    await connection.close();
  };
  operators = createDeploymentClient(await connectClient(config), TASK_QUEUE);
}, 180_000);

afterAll(async () => {
  await stopWorker?.();
  await operators?.close();
  await h?.stop();
  await itsm?.stop();
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
