export { shutdownTelemetry, startServiceTelemetry, startTelemetry, telemetryConfig, tracingEnabled, type StartTelemetryOptions, type Telemetry, type TelemetryConfig } from './sdk.ts';
export { ATTR, SpanKind, activeSpanIds, errorType, inSpan, markError, tracer, type InSpanOptions } from './spans.ts';
export { decideInSpan, inToolCallSpan, type ToolCallSpanInfo } from './mcp.ts';
export { exportRecordedSpans, type RecordedSpan } from './recorded.ts';
