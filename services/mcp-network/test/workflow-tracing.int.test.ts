/**
 * Traces into Temporal: the deployment started by one `tools/call` runs in that call's trace —
 * the client interceptor's StartWorkflow span under the tool call, the workflow's RunWorkflow span
 * (recorded in the sandbox, exported by the worker), each activity's StartActivity/RunActivity spans
 * and the activity's own work beneath. Real Temporal dev server, the deploy worker as its own process
 * (its src/tracing.ts exporting to the same receiver), mcp-network in-process, one OTLP receiver: the
 * trace crosses the process border through Temporal's headers, as in production.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { startServiceTelemetry, type Telemetry } from '@mcp-platform/mcp-common/telemetry';
import { startOtlpReceiver, startTemporalDevServer, type DevServer, type OtlpReceiver, type ReceivedSpan } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NetworkHarness } from './harness.ts';
import type { HarnessWorker } from './worker.ts';

const TASK_QUEUE = 'network-tracing';
const ACCESS = ['de000000-0000-4000-8000-000000000005'];
const TEMPLATE = '7e000000-0000-4000-8000-000000000001';
let otlp: OtlpReceiver;
let telemetry: Telemetry;
let temporal: DevServer;
let h: NetworkHarness;
let worker: HarnessWorker;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = otlp.url;
  process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/json';
  process.env['OTEL_BSP_SCHEDULE_DELAY'] = '100';
  telemetry = startServiceTelemetry({ serviceName: 'mcp-network', serviceVersion: '0.1.0', env: process.env });
  // Loaded after the SDK started, as main.ts does with ./tracing.ts.
  const [{ startHarness }, { startHarnessWorker }] = await Promise.all([import('./harness.ts'), import('./worker.ts')]);
  temporal = await startTemporalDevServer();
  h = await startHarness({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE });
  worker = await startHarnessWorker(h, {
    temporalAddress: temporal.address,
    taskQueue: TASK_QUEUE,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await h?.stop();
  await temporal?.stop();
  await telemetry?.shutdown();
  await otlp?.close();
});

function chainTo(span: ReceivedSpan, spans: ReceivedSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const names: string[] = [];
  for (let s: ReceivedSpan | undefined = span; s; s = byId.get(s.parentSpanId)) names.push(s.name);
  return names.reverse();
}

async function callTool(user: string, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const r = (await (await h.client(user)).callTool({ name, arguments: args })) as CallToolResult;
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  return r;
}

it('a deployment runs in the trace of the tools/call that started it: StartWorkflow → RunWorkflow → StartActivity → RunActivity → the activity’s upstream calls', async () => {
  const started = await callTool('nina', 'start_deployment_workflow', { template_id: TEMPLATE, device_ids: ACCESS, params: { interface: 'Gi1/0/7', description: 'traced' }, reason: 'trace test' });
  const { workflowId } = started.structuredContent as { workflowId: string };
  for (const deadline = Date.now() + 30_000; ; ) {
    const r = await callTool('nina', 'get_deployment_workflow', { workflow_id: workflowId });
    if ((r.structuredContent as { step?: string }).step === 'awaiting_approval') break;
    if (Date.now() > deadline) throw new Error('never awaited approval');
    await new Promise((r2) => setTimeout(r2, 200));
  }
  await callTool('alice', 'approve_deployment_workflow', { workflow_id: workflowId, comment: 'traced' });
  for (const deadline = Date.now() + 60_000; ; ) {
    const r = await callTool('nina', 'get_deployment_workflow', { workflow_id: workflowId });
    if ((r.structuredContent as { status?: string }).status === 'COMPLETED') break;
    if (Date.now() > deadline) throw new Error('never completed');
    await new Promise((r2) => setTimeout(r2, 300));
  }
  await telemetry.flush();

  // The tool call's trace; the workflow's own span arrives from the sandbox through the worker's sink.
  const startSpans = await otlp.waitFor((s) => s.some((x) => x.name === 'tools/call start_deployment_workflow'), 30_000);
  const toolCall = startSpans.find((s) => s.name === 'tools/call start_deployment_workflow') as ReceivedSpan;
  const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === toolCall.traceId);
  const trace = inTrace(
    await otlp.waitFor((s) => inTrace(s).some((x) => x.name === 'RunWorkflow:templateDeploymentWorkflow') && inTrace(s).some((x) => x.name.startsWith('RunActivity:')), 30_000),
  );

  const run = trace.find((s) => s.name === 'RunWorkflow:templateDeploymentWorkflow') as ReceivedSpan;
  expect(chainTo(run, trace)).toEqual(expect.arrayContaining(['tools/call start_deployment_workflow', 'StartWorkflow:templateDeploymentWorkflow', 'RunWorkflow:templateDeploymentWorkflow']));
  expect(chainTo(run, trace).indexOf('StartWorkflow:templateDeploymentWorkflow')).toBeGreaterThan(chainTo(run, trace).indexOf('tools/call start_deployment_workflow'));
  expect(run.attributes).toMatchObject({ 'temporal.workflow.id': workflowId, 'temporal.workflow.type': 'templateDeploymentWorkflow' });

  // Every activity the deployment ran before and after the approval is in this trace, under the workflow.
  const activities = trace.filter((s) => s.name.startsWith('RunActivity:'));
  expect(activities.length).toBeGreaterThan(3);
  for (const a of activities) {
    const chain = chainTo(a, trace);
    expect(chain[0], chain.join(' > ')).toBe(chainTo(toolCall, trace)[0]);
    expect(chain).toContain('RunWorkflow:templateDeploymentWorkflow');
    expect(chain[chain.length - 2]).toBe(`StartActivity:${a.name.slice('RunActivity:'.length)}`);
  }
  // An activity's own work (the platform's activity span, its upstream calls to Catalyst Center) hangs beneath it.
  const upstream = trace.filter((s) => s.name === 'upstream catalyst-center' && chainTo(s, trace).some((n) => n.startsWith('RunActivity:')));
  expect(upstream.length).toBeGreaterThan(0);
}, 120_000);
