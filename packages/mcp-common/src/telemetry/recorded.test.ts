import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { exportRecordedSpans, type RecordedSpan } from './recorded.ts';
import { startTelemetry } from './sdk.ts';

// This file runs in its own process (vitest forks): it may start the process's one SDK.
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const recorded = (over: Partial<RecordedSpan>): RecordedSpan => ({
  name: 'RunWorkflow:TemplateDeploymentWorkflow',
  kind: SpanKind.INTERNAL,
  traceId: TRACE,
  spanId: '00f067aa0ba902b7',
  parentSpanId: 'b7ad6b7169203331',
  traceFlags: 1,
  startTime: [1_700_000_000, 5_000],
  endTime: [1_700_000_002, 0],
  status: { code: SpanStatusCode.OK },
  attributes: { 'temporal.workflow.id': 'deploy-1' },
  links: [],
  events: [{ name: 'approved', attributes: { by: 'alice' }, time: [1_700_000_001, 0] }],
  scope: '@temporalio/interceptor-workflow',
  ...over,
});

describe('exportRecordedSpans (spans recorded outside the SDK, e.g. a workflow sandbox)', () => {
  it('does nothing while tracing is off', () => {
    expect(() => exportRecordedSpans([recorded({})])).not.toThrow();
  });

  it('exports them with their ids, parent, times, attributes, events and status; other spans keep random ids', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = startTelemetry({ serviceName: 'recorder', serviceVersion: '0.0.0', env: {}, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    exportRecordedSpans([
      recorded({}),
      recorded({ name: 'StartActivity:deployTemplate', spanId: '1111111111111111', parentSpanId: '00f067aa0ba902b7', status: { code: SpanStatusCode.ERROR, message: 'x' }, events: [] }),
      recorded({ name: 'a root', traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: '2222222222222222', parentSpanId: undefined, events: [] }),
    ]);
    trace.getTracer('t').startSpan('ordinary').end();
    await telemetry.flush();

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['RunWorkflow:TemplateDeploymentWorkflow', 'StartActivity:deployTemplate', 'a root', 'ordinary']);
    const [wf, act, root, ordinary] = spans;
    expect(wf?.spanContext()).toMatchObject({ traceId: TRACE, spanId: '00f067aa0ba902b7' });
    expect(wf?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(wf?.startTime).toEqual([1_700_000_000, 5_000]);
    expect(wf?.endTime).toEqual([1_700_000_002, 0]);
    expect(wf?.attributes).toEqual({ 'temporal.workflow.id': 'deploy-1' });
    expect(wf?.events).toEqual([expect.objectContaining({ name: 'approved', attributes: { by: 'alice' }, time: [1_700_000_001, 0] })]);
    expect(wf?.instrumentationScope.name).toBe('@temporalio/interceptor-workflow');
    expect(act?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(act?.status.code).toBe(SpanStatusCode.ERROR);
    expect(root?.spanContext()).toMatchObject({ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: '2222222222222222' });
    expect(root?.parentSpanContext).toBeUndefined();
    // The forced ids were used once: the next span has fresh ones.
    expect(ordinary?.spanContext().spanId).not.toMatch(/^(00f067aa0ba902b7|1111111111111111|2222222222222222)$/);
    expect(ordinary?.spanContext().traceId).not.toMatch(new RegExp(`^(${TRACE}|a{32})$`));
  });
});
