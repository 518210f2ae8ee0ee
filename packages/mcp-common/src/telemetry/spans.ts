import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { platformErrorOf } from '../errors/base.ts';

/**
 * The tracer of the platform's own spans (instrumentation scope `@mcp-platform/mcp-common`), asked
 * of the global provider at each use: one taken before the SDK started (which loads its own copy of
 * the API) would stay a no-op.
 */
export function tracer(): Tracer {
  return trace.getTracer('@mcp-platform/mcp-common', '0.1.0');
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
  attributes?: Attributes;
}

/**
 * Runs `fn` inside a new child span of the active one and ends it when `fn` settles. A
 * thrown error marks the span `ERROR` with `error.type` (the platform error code when it
 * has one, else the error's class) — the message is not recorded: it may name resources.
 * Without a started SDK the span is a no-op and costs next to nothing.
 *
 * @example
 * ```ts
 * const decision = await inSpan('authz decide', { attributes: { 'mcp_platform.server': 'network' } }, () => engine.decide(input));
 * ```
 */
export function inSpan<T>(name: string, options: InSpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) }, async (span) => {
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
