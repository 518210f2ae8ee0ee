import { ROOT_CONTEXT, trace, type Attributes, type HrTime, type Link, type SpanKind, type SpanStatus } from '@opentelemetry/api';

/**
 * A finished span recorded where the OpenTelemetry SDK does not run — a Temporal workflow's
 * deterministic sandbox records its spans and hands them to the worker through a sink — to be
 * exported by this process's SDK with its ids, times and parent kept.
 */
export interface RecordedSpan {
  name: string;
  kind: SpanKind;
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** The parent's span id (same trace); absent for a root span. */
  parentSpanId?: string;
  traceFlags: number;
  startTime: HrTime;
  endTime: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  links: Link[];
  events: { name: string; attributes?: Attributes; time: HrTime }[];
  /** Instrumentation scope of the recorder (`@temporalio/interceptor-workflow`). */
  scope: string;
}

/** The ids the next span started by the SDK must take (set only for the duration of one synchronous `startSpan`). */
let forced: { traceId?: string; spanId?: string } | undefined;

/**
 * Wraps an OpenTelemetry `IdGenerator` so that {@link exportRecordedSpans} can start a span with
 * given ids; every other span gets the wrapped generator's random ids.
 */
export function replayableIds(random: { generateTraceId(): string; generateSpanId(): string }): { generateTraceId(): string; generateSpanId(): string } {
  return {
    generateTraceId: () => {
      const id = forced?.traceId;
      if (id === undefined) return random.generateTraceId();
      forced = { ...forced, traceId: undefined };
      return id;
    },
    generateSpanId: () => {
      const id = forced?.spanId;
      if (id === undefined) return random.generateSpanId();
      forced = { ...forced, spanId: undefined };
      return id;
    },
  };
}

let enabled = false;

/** Called by `startTelemetry` once the SDK (with {@link replayableIds}) is up. */
export function enableRecordedSpans(): void {
  enabled = true;
}

/**
 * Exports spans recorded elsewhere through this process's tracing pipeline (its exporter,
 * resource, sampler and batching): each becomes an SDK span with the recorded trace id, span id,
 * parent, start and end time, attributes, events and status. Without tracing it does nothing.
 *
 * @example
 * ```ts
 * // a Temporal worker's sink for the spans of its workflow sandbox
 * exportRecordedSpans(serialized.map(fromSandbox));
 * ```
 */
export function exportRecordedSpans(spans: readonly RecordedSpan[]): void {
  if (!enabled) return;
  for (const s of spans) {
    const parent = s.parentSpanId ? trace.setSpanContext(ROOT_CONTEXT, { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: s.traceFlags, isRemote: true }) : ROOT_CONTEXT;
    forced = { traceId: s.traceId, spanId: s.spanId };
    let span;
    try {
      span = trace.getTracer(s.scope).startSpan(s.name, { kind: s.kind, attributes: s.attributes, links: s.links, startTime: s.startTime }, parent);
    } finally {
      forced = undefined;
    }
    for (const e of s.events) span.addEvent(e.name, e.attributes, e.time);
    span.setStatus(s.status);
    span.end(s.endTime);
  }
}
