import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { PlatformError } from '../errors/index.ts';
import { startTelemetry } from './sdk.ts';
import { inSpan } from './spans.ts';

// This file runs in its own process (vitest forks): the first tests run before any SDK is started, the last one starts it.
describe('inSpan', () => {
  it('without a started SDK runs the function at once with a non-recording span, and makes no attributes', async () => {
    let made = 0;
    let seen: { recording: boolean; active: unknown } | undefined;
    const answer = await inSpan('off', { attributes: () => ((made += 1), { a: 1 }) }, async (span) => {
      span.setAttribute('b', 2);
      seen = { recording: span.isRecording(), active: trace.getActiveSpan() };
      return 42;
    });
    expect(answer).toBe(42);
    expect(seen).toEqual({ recording: false, active: undefined });
    expect(made).toBe(0);
  });

  it('without a started SDK passes a failure on as a rejection, thrown or rejected', async () => {
    await expect(inSpan('off', {}, () => Promise.reject(new PlatformError('ERR_UPSTREAM_TIMEOUT', 'slow')))).rejects.toThrow('slow');
    // A function that throws before returning its promise still gives a rejected promise, not a throw.
    const throwing = (() => {
      throw new TypeError('early');
    }) as unknown as () => Promise<number>;
    const outcome = inSpan('off', {}, throwing);
    expect(outcome).toBeInstanceOf(Promise);
    await expect(outcome).rejects.toThrow('early');
  });

  it('with a started SDK records the span: kind, attributes (made once), nesting, and error.type of a failure', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = startTelemetry({ serviceName: 'spans', serviceVersion: '0.0.0', env: {}, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    let made = 0;
    await inSpan('outer', { kind: SpanKind.SERVER, attributes: () => ((made += 1), { 'mcp_platform.server': 'network' }) }, async (outer) => {
      expect(outer.isRecording()).toBe(true);
      await inSpan('inner', { attributes: { 'gen_ai.tool.name': 'get_device' } }, async () => 1);
      await expect(inSpan('failing', {}, () => Promise.reject(new PlatformError('ERR_UPSTREAM_TIMEOUT', 'slow')))).rejects.toThrow('slow');
    });
    await telemetry.flush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['inner', 'failing', 'outer']);
    const [inner, failing, outer] = spans;
    expect(made).toBe(1);
    expect(outer?.kind).toBe(SpanKind.SERVER);
    expect(outer?.attributes).toEqual({ 'mcp_platform.server': 'network' });
    expect(inner?.attributes).toEqual({ 'gen_ai.tool.name': 'get_device' });
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(failing?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failing?.attributes['error.type']).toBe('ERR_UPSTREAM_TIMEOUT');
    await telemetry.shutdown();
  });
});
