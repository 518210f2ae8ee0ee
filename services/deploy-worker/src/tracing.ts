// Imported first by main.ts: OpenTelemetry must patch http/undici before the app loads them.
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_TRACES_EXPORTER) is set.
import { startServiceTelemetry } from '@mcp-platform/mcp-common/telemetry';

// eslint-disable-next-line no-restricted-properties -- runs before config.ts is loaded (instrumentation must patch first); reads only OTEL_*
export const telemetry = startServiceTelemetry({ serviceName: 'deploy-worker', serviceVersion: '0.1.0', env: process.env });
