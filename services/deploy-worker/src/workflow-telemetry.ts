/**
 * Traces through Temporal with `@temporalio/interceptors-opentelemetry`: whoever starts a
 * deployment (the MCP tool, the operator CLI) injects its trace context into the workflow's
 * headers (client interceptor, in `connection.ts`); the workflow sandbox records
 * `RunWorkflow:`/`StartActivity:` spans and carries the context on to its activities; each activity
 * runs in a `RunActivity:` span of that trace. So a deployment's spans join the trace of the
 * `tools/call` that started it.
 *
 * The sandbox cannot run the OpenTelemetry SDK: it hands its finished spans to the worker through
 * the `exporter` sink, and the worker exports them through its own SDK with their ids kept
 * (`exportRecordedSpans` of the spine) — not through the package's `makeWorkflowExporter`, which
 * builds spans of the OpenTelemetry 1.x SDK shape that this platform's 3.x exporter cannot read.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { OpenTelemetrySinks, SerializableSpan } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions.js';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { exportRecordedSpans, type RecordedSpan } from '@mcp-platform/mcp-common/telemetry';

/** The workflow interceptor module bundled into the sandbox (`interceptors.workflowModules`, `workflowInterceptorModules`). */
export const WORKFLOW_TRACING_MODULES: readonly string[] = [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/**
 * Activity interceptors: each activity runs in a `RunActivity:<type>` span whose parent is the
 * workflow's `StartActivity:<type>` span (from the activity's headers); log lines of the SDK get
 * the trace ids.
 *
 * @example
 * ```ts
 * Worker.create({ ..., interceptors: { activity: [tracingActivityInterceptors] } });
 * ```
 */
export const tracingActivityInterceptors: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});

/**
 * The `exporter` sink the workflow interceptors call with their finished spans; the spans get the
 * workflow's type, id and run id (never its memo or arguments) and are exported by this process's
 * SDK (nothing happens with tracing off). Not called during replay.
 *
 * @example
 * ```ts
 * Worker.create({ ..., sinks: workflowSpanSinks() });
 * ```
 */
export function workflowSpanSinks(): InjectedSinks<OpenTelemetrySinks> {
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          const workflow = { 'temporal.workflow.type': info.workflowType, 'temporal.workflow.id': info.workflowId, 'temporal.workflow.run_id': info.runId };
          exportRecordedSpans(spans.map((s) => recordedSpan(s, workflow)));
        },
      },
    },
  };
}

function recordedSpan(s: SerializableSpan, workflow: Record<string, string>): RecordedSpan {
  return {
    name: s.name,
    kind: s.kind,
    traceId: s.spanContext.traceId,
    spanId: s.spanContext.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    traceFlags: s.spanContext.traceFlags,
    startTime: s.startTime,
    endTime: s.endTime,
    status: s.status,
    attributes: { ...s.attributes, ...workflow },
    links: s.links,
    events: s.events.map((e) => ({ name: e.name, time: e.time, ...(e.attributes ? { attributes: e.attributes } : {}) })),
    scope: s.instrumentationLibrary.name,
  };
}
