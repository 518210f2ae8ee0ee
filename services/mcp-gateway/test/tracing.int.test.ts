import type { CallToolResult } from '@modelcontextprotocol/client';
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { startServiceTelemetry, type Telemetry } from '@mcp-platform/mcp-common/telemetry';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayHarness } from './harness.ts';

// The gateway runs in this process (its SDK started here, as its src/tracing.ts does); the backends run as
// real processes through their own main.ts → tracing.ts, exporting to the same receiver.
const MANAGEMENT_TOKEN = 'gateway-test-management-token';
let otlp: OtlpReceiver;
let telemetry: Telemetry;
let h: GatewayHarness;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };
  Object.assign(process.env, otel);
  telemetry = startServiceTelemetry({ serviceName: 'mcp-gateway', serviceVersion: '0.1.0', env: process.env });
  // Loaded after the SDK started, as main.ts does with ./tracing.ts.
  const { startGatewayHarness } = await import('./harness.ts');
  h = await startGatewayHarness({ MANAGEMENT_TOKEN, MANAGEMENT_TRUST_LOOPBACK: 'false' }, { backendEnv: otel });
}, 180_000);
afterAll(async () => {
  await h?.stop();
  await telemetry?.shutdown();
  await otlp?.close();
});

const described = (s: ReceivedSpan) => `${s.service}:${s.kind}:${s.name}`;
/** `span` and its ancestors, root first. */
function chainTo(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain: ReceivedSpan[] = [];
  for (let s: ReceivedSpan | undefined = span; s; s = byId.get(s.parentSpanId)) chain.push(s);
  return chain.reverse();
}
/** True once the span named `name` of `service` arrived with every ancestor up to its trace's root (processes export in their own batches). */
function arrived(spans: ReceivedSpan[], service: string, name: string): boolean {
  const span = spans.find((s) => s.service === service && s.name === name);
  return span !== undefined && chainTo(span, spans)[0]?.parentSpanId === '';
}
const traceId = (l: Record<string, unknown>) => (l['trace'] as { id?: string } | undefined)?.id;
const action = (l: Record<string, unknown>) => (l['event'] as { action?: string } | undefined)?.action;

describe('one trace across the gateway and its backends', () => {
  it('one gateway tools/call: gateway span → gateway rule → backend hop → mcp-network tools/call, one trace id, logs on both sides carry it', async () => {
    const client = await h.connect(await h.token('nina'));
    const r = (await client.callTool({ name: 'network__get_device', arguments: { device_id: SEED_IDS.devices.sjc01Core01 } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    await telemetry.flush();
    const spans = await otlp.waitFor((s) => arrived(s, 'mcp-network', 'tools/call get_device'), 30_000);

    const backendCall = spans.find((s) => s.service === 'mcp-network' && s.name === 'tools/call get_device') as ReceivedSpan;
    const trace = spans.filter((s) => s.traceId === backendCall.traceId);
    // Root first: this test's client POST (traced too: same process), the gateway's HTTP server span (named by
    // its Express route) and route handler, its tools/call span, the backend call (upstream span, HTTP client
    // span), the backend's HTTP span and route handler, its tools/call.
    expect(chainTo(backendCall, trace).map(described)).toEqual([
      expect.stringMatching(/^mcp-gateway:3:POST/),
      'mcp-gateway:2:POST /mcp',
      'mcp-gateway:1:request handler',
      'mcp-gateway:2:tools/call network__get_device',
      'mcp-gateway:1:upstream mcp-network',
      expect.stringMatching(/^mcp-gateway:3:POST/),
      'mcp-network:2:POST /mcp',
      'mcp-network:1:request handler',
      'mcp-network:2:tools/call get_device',
    ]);
    const gatewayCall = trace.find((s) => s.name === 'tools/call network__get_device') as ReceivedSpan;
    expect(gatewayCall.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'network__get_device', 'mcp_platform.server': 'gateway', 'user.id': 'nina' });
    // The gateway rule is decided under the gateway's call; the backend's own policy under the backend's.
    const decisions = trace.filter((s) => s.name === 'policy decision');
    expect(decisions.find((d) => d.service === 'mcp-gateway')?.parentSpanId).toBe(gatewayCall.spanId);
    expect(decisions.find((d) => d.service === 'mcp-network')?.parentSpanId).toBe(backendCall.spanId);
    expect(decisions.every((d) => d.attributes['mcp_platform.authz.decision'] === 'allow')).toBe(true);
    // Logs: the gateway's audit line and the backend's tool-call line carry the same trace id.
    expect(h.logs.some((l) => action(l) === 'tool-call' && traceId(l) === backendCall.traceId)).toBe(true);
    expect(h.backends.network.logs.some((l) => action(l) === 'tool-call' && traceId(l) === backendCall.traceId)).toBe(true);
  });

  it('a composite tool: every hop is a span of the same trace, with the backend calls it made beneath it', async () => {
    const client = await h.connect(await h.token('alice'));
    const r = (await client.callTool({ name: 'ops__device_report', arguments: { device_id: SEED_IDS.devices.sjc01Dist01 } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    await telemetry.flush();
    const calls = [['mcp-network', 'get_device'], ['mcp-itsm', 'search_incidents'], ['mcp-itsm', 'search_change_requests'], ['mcp-github', 'search_code']] as const;
    // Each process exports its own batches: wait until the gateway's span and every backend's have arrived.
    const top = (await otlp.waitFor((s) => s.some((x) => x.name === 'tools/call ops__device_report'), 30_000)).find((s) => s.name === 'tools/call ops__device_report') as ReceivedSpan;
    const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === top.traceId);
    const trace = inTrace(await otlp.waitFor((s) => calls.every(([service, tool]) => arrived(inTrace(s), service, `tools/call ${tool}`)), 30_000));
    const hops = trace.filter((s) => s.service === 'mcp-gateway' && s.name.startsWith('hop '));
    expect(hops.map((s) => s.name).sort()).toEqual(['hop github__search_code', 'hop itsm__search_change_requests', 'hop itsm__search_incidents', 'hop network__get_device']);
    for (const hop of hops) expect(hop.parentSpanId).toBe(top.spanId);
    // Each backend's tools/call hangs under its hop.
    for (const [service, tool] of calls) {
      const call = trace.find((s) => s.service === service && s.name === `tools/call ${tool}`);
      expect(call, `${service} ${tool}`).toBeDefined();
      const chain = chainTo(call as ReceivedSpan, trace).map((s) => s.name);
      const hopAt = chain.indexOf(`hop ${service.slice('mcp-'.length)}__${tool}`);
      expect(chain.indexOf('tools/call ops__device_report')).toBeGreaterThanOrEqual(0);
      expect(hopAt, chain.join(' > ')).toBeGreaterThan(chain.indexOf('tools/call ops__device_report'));
    }
  });

  it('serves /metrics only with the management token; backend calls are in mcp_upstream_request_duration_seconds', async () => {
    const metricsUrl = `${h.gateway.url}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(404);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer not-the-management-token' } })).status).toBe(404);
    const res = await fetch(metricsUrl, { headers: { authorization: `Bearer ${MANAGEMENT_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^mcp_upstream_request_duration_seconds_count\{[^}]*upstream="mcp-network"[^}]*\} [1-9]/m);
  });
});
