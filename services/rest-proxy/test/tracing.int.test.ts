import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@mcp-platform/test-support';
import { startServiceTelemetry, type Telemetry } from '@mcp-platform/mcp-common/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyHarness } from './harness.ts';

// The proxy runs in this process (its SDK started here, as its src/tracing.ts does); mcp-network runs as
// a real process through its own main.ts → tracing.ts, exporting to the same receiver.
let otlp: OtlpReceiver;
let telemetry: Telemetry;
let h: ProxyHarness;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };
  Object.assign(process.env, otel);
  telemetry = startServiceTelemetry({ serviceName: 'rest-proxy', serviceVersion: '0.1.0', env: process.env });
  const { startProxyHarness } = await import('./harness.ts');
  h = await startProxyHarness({ backends: ['network'], mcpEnv: otel });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await telemetry?.shutdown();
  await otlp?.close();
});

describe('one trace across the REST proxy and the MCP server', () => {
  it('proxy request → backend call → mcp-network POST /mcp → tools/call, one trace id, log lines on both sides carry it', async () => {
    const res = await fetch(`${h.proxyUrl}/api/v1/mcp/network/tools/list_devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token('nina')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: { role: 'ACCESS' } }),
    });
    expect(res.status).toBe(200);
    await telemetry.flush();
    const spans = await otlp.waitFor((s) => s.some((x) => x.service === 'mcp-network' && x.name === 'tools/call list_devices'), 20_000);
    const call = spans.find((s) => s.service === 'mcp-network' && s.name === 'tools/call list_devices') as ReceivedSpan;
    const trace = spans.filter((s) => s.traceId === call.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const chain: ReceivedSpan[] = [];
    for (let s: ReceivedSpan | undefined = call; s; s = byId.get(s.parentSpanId)) chain.push(s);
    const described = chain.map((s) => `${s.service}:${s.kind}:${s.name}`);
    // Root first: this test's fetch (traced too: same process), the proxy's server span named by its Express
    // route, the route handler (express instrumentation), its upstream span, its HTTP client span, the server's
    // HTTP span (route /mcp) and route handler, the tool call.
    expect(described.reverse()).toEqual([
      expect.stringMatching(/^rest-proxy:3:POST/),
      'rest-proxy:2:POST /api/v1/mcp/:server/tools/:tool',
      'rest-proxy:1:request handler',
      'rest-proxy:1:upstream mcp-network',
      expect.stringMatching(/^rest-proxy:3:POST/),
      'mcp-network:2:POST /mcp',
      'mcp-network:1:request handler',
      'mcp-network:2:tools/call list_devices',
    ]);
    const proxyLine = h.logs.find((l) => (l['event'] as { action?: string } | undefined)?.action === 'proxy-request');
    expect((proxyLine?.['trace'] as { id?: string } | undefined)?.id).toBe(call.traceId);
    const serverLine = h.mcp['network']?.logs.find((l) => (l['event'] as { action?: string } | undefined)?.action === 'tool-call');
    expect((serverLine?.['trace'] as { id?: string } | undefined)?.id).toBe(call.traceId);
  });
});
