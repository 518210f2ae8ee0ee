import { INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Attributes, type Span, type Tracer, type TracerDelegator, type TracerProvider } from '@opentelemetry/api';
import { platformErrorOf } from '../errors/base.ts';

/**
 * The tracer of the platform's own spans (instrumentation scope `@mcp-platform/mcp-common`), asked
 * of the global provider at each use: one taken before the SDK started (which loads its own copy of
 * the API) would stay a no-op.
 */
export function tracer(): Tracer {
  return trace.getTracer(SCOPE, SCOPE_VERSION);
}

const SCOPE = '@mcp-platform/mcp-common';
const SCOPE_VERSION = '0.1.0';
/** The span handed to {@link inSpan}'s function while no SDK is started: not recording, like the API's no-op spans. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The platform's tracer when a tracer provider is registered (an SDK started), else `undefined`.
 * The API's global provider is a proxy that hands out no-op tracers until an SDK registers its
 * delegate; asking the proxy for its delegate's tracer tells the two apart without allocating.
 * A provider that is not the API's proxy (another copy of the API registered it) is asked directly.
 */
function recordingTracer(): Tracer | undefined {
  const provider: TracerProvider & Partial<TracerDelegator> = trace.getTracerProvider();
  return typeof provider.getDelegateTracer === 'function' ? provider.getDelegateTracer(SCOPE, SCOPE_VERSION) : provider.getTracer(SCOPE, SCOPE_VERSION);
}

/**
 * Attribute names: the OpenTelemetry semantic conventions for MCP and GenAI tool calls
 * (`mcp.*`, `gen_ai.*`, `jsonrpc.*`, `error.type`), and the platform's own under `mcp_platform.*`.
 */
export const ATTR = {
  MCP_METHOD_NAME: 'mcp.method.name',
  MCP_SESSION_ID: 'mcp.session.id',
  MCP_PROTOCOL_VERSION: 'mcp.protocol.version',
  GEN_AI_TOOL_NAME: 'gen_ai.tool.name',
  GEN_AI_OPERATION_NAME: 'gen_ai.operation.name',
  JSONRPC_REQUEST_ID: 'jsonrpc.request.id',
  NETWORK_TRANSPORT: 'network.transport',
  NETWORK_PROTOCOL_NAME: 'network.protocol.name',
  ERROR_TYPE: 'error.type',
  USER_ID: 'user.id',
  SERVER: 'mcp_platform.server',
  ERROR_CODE: 'mcp_platform.error.code',
  AUTHZ_DECISION: 'mcp_platform.authz.decision',
  AUTHZ_ACTION: 'mcp_platform.authz.action',
  SECRET_NAME: 'mcp_platform.secret.name',
  SECRET_SOURCE: 'mcp_platform.secret.source',
  UPSTREAM_NAME: 'mcp_platform.upstream.name',
  UPSTREAM_IDEMPOTENT: 'mcp_platform.upstream.idempotent',
  UPSTREAM_BREAKER_STATE: 'mcp_platform.upstream.breaker_state',
} as const;

/** Options of {@link inSpan}. */
export interface InSpanOptions {
  /** Default `INTERNAL`. */
  kind?: SpanKind;
  /** The span's attributes, or a function that makes them (called only when the span is recorded). */
  attributes?: Attributes | (() => Attributes);
}

/**
 * Runs `fn` inside a new child span of the active one and ends it when `fn` settles. A
 * thrown error marks the span `ERROR` with `error.type` (the platform error code when it
 * has one, else the error's class) — the message is not recorded: it may name resources.
 * Without a started SDK no span is made: `fn` runs at once with a non-recording span.
 *
 * @example
 * ```ts
 * const decision = await inSpan('authz decide', { attributes: { 'mcp_platform.server': 'network' } }, () => engine.decide(input));
 * ```
 */
export function inSpan<T>(name: string, options: InSpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const recording = recordingTracer();
  if (recording === undefined) {
    // No SDK started (the default without OTEL_* settings): the API would make a no-op span, a context
    // holding it and two promise layers around `fn` on every call (~2 % of a tool call's CPU) and record nothing.
    try {
      return fn(NO_SPAN);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  const attributes = typeof options.attributes === 'function' ? options.attributes() : options.attributes;
  return recording.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(attributes ? { attributes } : {}) }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markError(span, errorType(err));
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks `span` failed with `error.type` = `type` (a low-cardinality code, never a message). */
export function markError(span: Span, type: string): void {
  span.setAttribute(ATTR.ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** `error.type` of an error: its platform code (`ERR_UPSTREAM_TIMEOUT`…), else its class name. */
export function errorType(err: unknown): string {
  const platform = platformErrorOf(err);
  if (platform) return platform.code;
  return err instanceof Error ? err.name : '_OTHER';
}

/** The ids of the active span, when one is recording (for log correlation), else `undefined`. */
export function activeSpanIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

export { SpanKind };
