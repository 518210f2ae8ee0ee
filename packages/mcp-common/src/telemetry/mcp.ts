import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Authorizer, Decision, PolicyInput } from '../authz/types.ts';
import { currentRequestContext } from '../logging/context.ts';
import { ERROR_META_KEY } from '../server/errors-to-result.ts';
import { ATTR, SpanKind, inSpan, markError } from './spans.ts';

/** What names one tool call's span. */
export interface ToolCallSpanInfo {
  /** The `server` of policy input (`network`). */
  server: string;
  tool: string;
  /** The JSON-RPC request id, when the SDK reports it. */
  requestId?: unknown;
}

/**
 * Runs one `tools/call` inside its span, named and attributed by the OpenTelemetry
 * semantic conventions for MCP: name `tools/call <tool>`, kind `SERVER`,
 * `mcp.method.name`, `gen_ai.tool.name`, `gen_ai.operation.name = execute_tool`,
 * `jsonrpc.request.id`, `network.transport`; a result with `isError` sets
 * `error.type = tool_error` (and the platform's code in `mcp_platform.error.code`).
 * Arguments and results are never recorded.
 *
 * @example
 * ```ts
 * return inToolCallSpan({ server: 'network', tool: 'list_devices', requestId: 7 }, () => run(args));
 * ```
 */
export function inToolCallSpan(info: ToolCallSpanInfo, fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  const ctx = currentRequestContext();
  return inSpan(
    `tools/call ${info.tool}`,
    {
      kind: SpanKind.SERVER,
      attributes: () => ({
        [ATTR.MCP_METHOD_NAME]: 'tools/call',
        [ATTR.GEN_AI_TOOL_NAME]: info.tool,
        [ATTR.GEN_AI_OPERATION_NAME]: 'execute_tool',
        [ATTR.NETWORK_TRANSPORT]: 'tcp',
        [ATTR.NETWORK_PROTOCOL_NAME]: 'http',
        [ATTR.SERVER]: info.server,
        ...(typeof info.requestId === 'string' || typeof info.requestId === 'number' ? { [ATTR.JSONRPC_REQUEST_ID]: String(info.requestId) } : {}),
        ...(ctx?.userId ? { [ATTR.USER_ID]: ctx.userId } : {}),
      }),
    },
    async (span) => {
      const result = await fn();
      if (result.isError) {
        markError(span, 'tool_error');
        const code = (result._meta?.[ERROR_META_KEY] as { code?: unknown } | undefined)?.code;
        if (typeof code === 'string') span.setAttribute(ATTR.ERROR_CODE, code);
      }
      return result;
    },
  );
}

/**
 * Asks `authorizer` inside a `policy decision` span (attributes: server, tool, action,
 * decision `allow`/`deny`/`error`); a deny is not a span error, an unreachable policy
 * engine is (`error.type = ERR_AUTHZ_UNAVAILABLE`).
 *
 * @example
 * ```ts
 * const decision = await decideInSpan(authorizer, policyInput);
 * ```
 */
export function decideInSpan(authorizer: Authorizer, input: PolicyInput): Promise<Decision> {
  return inSpan(
    'policy decision',
    { attributes: () => ({ [ATTR.SERVER]: input.server, [ATTR.GEN_AI_TOOL_NAME]: input.tool, [ATTR.AUTHZ_ACTION]: input.action }) },
    async (span) => {
      const decision = await authorizer.decide(input);
      span.setAttribute(ATTR.AUTHZ_DECISION, decision.error ? 'error' : decision.allow ? 'allow' : 'deny');
      if (decision.error) markError(span, decision.error);
      return decision;
    },
  );
}
