// startServiceTelemetry is the one way to start tracing (every service's src/tracing.ts, and the tracing tests standing in for it);
// startTelemetry, shutdownTelemetry, telemetryConfig and tracingEnabled stay inside the spine.
export { startServiceTelemetry, type StartTelemetryOptions, type Telemetry } from './sdk.ts';
export { ATTR, SpanKind, activeSpanIds, errorType, inSpan, markError, tracer, type InSpanOptions } from './spans.ts';
export { decideInSpan, inToolCallSpan, type ToolCallSpanInfo } from './mcp.ts';
export { exportRecordedSpans, type RecordedSpan } from './recorded.ts';
