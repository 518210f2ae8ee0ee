import { createRequire } from 'node:module';
import { trace, type ProxyTracerProvider, type Span } from '@opentelemetry/api';
import type * as InstrumentationExpress from '@opentelemetry/instrumentation-express';
import type * as InstrumentationHttp from '@opentelemetry/instrumentation-http';
import type * as InstrumentationUndici from '@opentelemetry/instrumentation-undici';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkNode from '@opentelemetry/sdk-node';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { parseConfig, type Env } from '../config/parse.ts';
import { enableRecordedSpans, replayableIds } from './recorded.ts';

const optionalUrl = z.url({ protocol: /^https?$/ }).optional();

/**
 * The `OTEL_*` variables the platform itself looks at to decide whether tracing is on
 * (the OpenTelemetry SDK reads the rest of the standard variables — protocol, headers,
 * sampler, resource attributes — itself).
 */
const telemetrySchema = z.object({
  OTEL_SDK_DISABLED: z.enum(['true', 'false', 'TRUE', 'FALSE']).optional(),
  OTEL_TRACES_EXPORTER: z
    .string()
    .regex(/^(otlp|console|none)(,(otlp|console|none))*$/, 'a comma-separated list of otlp, console, none')
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

/** The validated `OTEL_*` settings of one process. */
export type TelemetryConfig = z.output<typeof telemetrySchema>;

/**
 * Parses the `OTEL_*` variables; a bad value stops start-up with a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * telemetryConfig('mcp-network', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
 * ```
 */
export function telemetryConfig(service: string, env: Env): TelemetryConfig {
  return parseConfig(service, telemetrySchema, env);
}

/**
 * True when traces are to be exported: an OTLP endpoint (or an explicit
 * `OTEL_TRACES_EXPORTER`) is configured and the SDK is not disabled. With nothing set,
 * tracing is off and every span the platform starts is a free no-op.
 */
export function tracingEnabled(config: TelemetryConfig): boolean {
  if (config.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  if (config.OTEL_TRACES_EXPORTER !== undefined) return config.OTEL_TRACES_EXPORTER.split(',').some((e) => e !== 'none');
  return config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
}

/** A started (or deliberately not started) tracing pipeline. */
export interface Telemetry {
  /** Whether spans are exported. */
  readonly enabled: boolean;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and stops exporting (idempotent). */
  shutdown(): Promise<void>;
}

/** Options of {@link startTelemetry}. */
export interface StartTelemetryOptions {
  /** `service.name` of the spans (overridden by `OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** `service.version`. */
  serviceVersion: string;
  /** The environment; only `OTEL_*` variables are read. */
  env: Env;
  /** Extra span processors (tests); default: the one the `OTEL_*` variables describe. */
  spanProcessors?: SpanProcessor[];
}

const OFF: Telemetry = { enabled: false, flush: async () => {}, shutdown: async () => {} };
let current: Telemetry | undefined;

/**
 * Starts OpenTelemetry tracing for this process (once; later calls return the first
 * result): the NodeSDK with the http, express (route handlers) and undici instrumentations, W3C trace
 * context and baggage propagation, and the OTLP exporter the standard `OTEL_*` variables
 * describe (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL` — default
 * `http/protobuf` —, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, …). Metrics stay
 * with Prometheus and logs with the ECS logger: the SDK exports traces only.
 *
 * Call it before the app's modules are loaded (a service's `src/tracing.ts`, imported
 * first by `src/main.ts`), so the instrumentations patch `http` before anything uses it.
 *
 * @throws ConfigError naming the variable when an `OTEL_*` value is invalid.
 * @example
 * ```ts
 * // services/mcp-network/src/tracing.ts
 * startTelemetry({ serviceName: 'mcp-network', serviceVersion: '0.1.0', env: process.env });
 * ```
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  if (current) return current;
  const config = telemetryConfig(options.serviceName, options.env);
  if (!tracingEnabled(config) && options.spanProcessors === undefined) {
    current = OFF;
    return current;
  }
  // Loaded only when tracing is on (synchronously, so the SDK is up before the app's modules load):
  // the SDK and its exporters take seconds to import on a busy machine, which a service with
  // tracing off should not pay at every start.
  const require = createRequire(import.meta.url);
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof InstrumentationHttp;
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof InstrumentationUndici;
  const { ExpressInstrumentation, ExpressLayerType } = require('@opentelemetry/instrumentation-express') as typeof InstrumentationExpress;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof Resources;
  const { RandomIdGenerator } = require('@opentelemetry/sdk-trace') as typeof SdkTrace;
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME ?? options.serviceName,
    resource: resourceFromAttributes({ 'service.version': options.serviceVersion }),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown the traces that matter (and an in-process OTLP receiver would trace its own exports).
        requestHook: (span) => redactQuery(span),
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics|v1\/traces)(\?|$)/.test(req.url ?? ''),
      }),
      new UndiciInstrumentation({ requestHook: (span) => redactQuery(span) }),
      // Route handlers only: they name the route (`http.route`, and the HTTP server span becomes `POST /mcp`);
      // per-middleware and router spans are mostly `<anonymous>` and the platform's own spans already show the work inside.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
    ],
    // Random ids, except while exportRecordedSpans re-creates a span recorded elsewhere (a workflow sandbox) with its own ids.
    idGenerator: replayableIds(new RandomIdGenerator()),
    metricReaders: [],
    logRecordProcessors: [],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  // Express is CommonJS and the services import it as ES modules: an `import` of a CommonJS module does not go
  // through require-in-the-middle, so the express instrumentation would never see it. Required once here,
  // through the hook, it is patched in the CommonJS cache, which every later `import 'express'` reuses.
  require('express');
  enableRecordedSpans();
  let stopped: Promise<void> | undefined;
  current = {
    enabled: true,
    flush: async () => {
      const delegate = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as { forceFlush?: () => Promise<void> };
      await delegate.forceFlush?.();
    },
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
  return current;
}

/**
 * Flushes and stops the process's tracing, if {@link startTelemetry} started it.
 *
 * @example
 * ```ts
 * await server.close(); await shutdownTelemetry(); process.exit(0);
 * ```
 */
export async function shutdownTelemetry(): Promise<void> {
  await current?.shutdown();
}

/**
 * {@link startTelemetry} for a service's `src/tracing.ts` — the one way the spine's telemetry face
 * offers to start tracing (a tracing test stands in for `src/tracing.ts` with it): an invalid `OTEL_*`
 * value prints one JSON line naming the variable on stderr and exits 1, like any other bad configuration.
 *
 * @example
 * ```ts
 * // services/mcp-network/src/tracing.ts — imported first by src/main.ts
 * startServiceTelemetry({ serviceName: 'mcp-network', serviceVersion: '0.1.0', env: process.env });
 * ```
 */
export function startServiceTelemetry(options: StartTelemetryOptions): Telemetry {
  try {
    return startTelemetry(options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': 'error', message, service: { name: options.serviceName } })}\n`);
    process.exit(1);
  }
}

/**
 * Query values can carry tool arguments (a search term, a device filter): spans keep the
 * parameter names and replace every value with `REDACTED` in `url.full` and `url.query`.
 */
function redactQuery(span: Span): void {
  const attrs = (span as unknown as { attributes?: Record<string, unknown> }).attributes ?? {};
  const full = attrs['url.full'];
  if (typeof full === 'string' && full.includes('?')) {
    const u = new URL(full);
    span.setAttribute('url.full', `${u.origin}${u.pathname}${redactedSearch(u.searchParams)}`);
  }
  const query = attrs['url.query'];
  if (typeof query === 'string' && query.replace(/^\?/, '') !== '') {
    span.setAttribute('url.query', redactedSearch(new URLSearchParams(query)).replace(/^\?/, ''));
  }
}

function redactedSearch(params: URLSearchParams): string {
  const keys = [...params.keys()];
  return keys.length === 0 ? '' : `?${keys.map((k) => `${encodeURIComponent(k)}=REDACTED`).join('&')}`;
}
