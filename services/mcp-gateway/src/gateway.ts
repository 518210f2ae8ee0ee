import { MissingRequiredClientCapabilityError, ProtocolError, ProtocolErrorCode, Server, type AuthInfo, type CallToolResult, type McpServerFactory, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import { principalFromAuthInfo, type Principal, type TokenExchanger } from '@mcp-platform/mcp-common/auth';
import { StepUpRequiredError, policyInputFor, type Authorizer, type ToolAction } from '@mcp-platform/mcp-common/authz';
import type { BackendPool } from '@mcp-platform/mcp-common/client';
import { currentRequestContext, type AuditLogger, type Logger } from '@mcp-platform/mcp-common/logging';
import type { PlatformMetrics } from '@mcp-platform/mcp-common/metrics';
import { UpstreamUnavailableError } from '@mcp-platform/mcp-common/resilience';
import { ATTR, decideInSpan, inSpan, inToolCallSpan } from '@mcp-platform/mcp-common/telemetry';
import { ERROR_META_KEY, TASKS_EXTENSION, callSignal, declaresTasks, envelopeDeclaresTasks, toToolFailure, type FastPathHandlers } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ToolCatalog } from './catalog.ts';
import { COMPOSITE_SERVER, GATEWAY_ENTRY } from './config.ts';
import { compositeTools, type CompositeTool, type HopOutcome } from './composite/index.ts';
import type { HealthMonitor } from './health.ts';
import { createListingEncoder } from './listing.ts';
import { exposedName, splitExposedName } from './names.ts';

/** The `server` of the gateway's own audit lines: its policy key in `@mcp-platform/registry`. */
export const GATEWAY_SERVER_ID = GATEWAY_ENTRY.key;

/** Everything {@link createGatewayFactory} needs. */
export interface GatewayDeps {
  name: string;
  version: string;
  pool: BackendPool;
  exchanger: TokenExchanger;
  catalog: ToolCatalog;
  health: HealthMonitor;
  /** The gateway's own rule (`data.mcp.gateway.decision`): may this caller use `server` through the gateway? */
  authorizer: Authorizer;
  logger: Logger & AuditLogger;
  metrics: PlatformMetrics;
  /** Deadline of one call, in ms. */
  callTimeoutMs: number;
  now?: () => number;
}

interface Caller {
  principal: Principal;
  token: string;
}

const failure = (code: string, message: string, retryable: boolean): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text: message }],
  _meta: { [ERROR_META_KEY]: { code, retryable } },
});

/** The platform error code of an `isError` result, if it carries one. */
const codeOf = (result: CallToolResult): string | undefined => (result._meta?.[ERROR_META_KEY] as { code?: string } | undefined)?.code;

/** A task id through the gateway: `<server>__<the backend's task id>` (the same separator as tool names). */
const TASK_ID_SEPARATOR = '__';
/** The per-request client capabilities of a hop for a caller that declared the Tasks extension. */
const TASK_CAPABILITIES = { extensions: { [TASKS_EXTENSION]: {} } };
const TaskIdParams = z.object({ taskId: z.string().min(1).max(600) });

const UNAVAILABLE = new Set(['ERR_UPSTREAM_UNAVAILABLE', 'ERR_UPSTREAM_TIMEOUT', 'ERR_CIRCUIT_OPEN', 'ERR_IDP_UNAVAILABLE', 'ERR_AUTHZ_UNAVAILABLE']);

/** The gateway's two ways in: the SDK server per request, and the spine's fast path. */
export interface GatewaySurface {
  /** The per-request SDK server: every method (`tools/*`, `tasks/*`, `server/discover`, `initialize`…). */
  serverFactory: McpServerFactory;
  /**
   * `tools/list` and `tools/call` without an SDK server per request (the spine's fast path): the same
   * functions as the SDK server's handlers, answered in each era as the SDK answers them. A call from a
   * caller that declared the Tasks extension (SEP-2663) takes the SDK path (its answer may be a task).
   */
  fastPath: FastPathHandlers;
}

/**
 * The gateway: `tools/list` is the union of what each
 * healthy backend lists for the caller (through an exchanged token, so each
 * backend's own policy decides) under `<server>__` prefixes, plus the composite
 * tools the caller can use; `tools/call` strips the prefix, checks the gateway
 * rule, exchanges the caller's token for the backend's audience and passes the
 * backend's result through unchanged. One audit line per call and per hop.
 * Served both by a per-request SDK server and on the spine's fast path, which
 * call the same functions (`test/fast-path.int.test.ts` checks they answer alike).
 */
export function createGateway(deps: GatewayDeps): GatewaySurface {
  const now = deps.now ?? Date.now;
  const composites = new Map(compositeTools.map((c) => [c.name, c]));
  const compositeListing = compositeTools.map((c) => ({
    tool: c,
    listed: {
      name: `${COMPOSITE_SERVER}__${c.name}`,
      title: c.title,
      description: `[gateway composite] ${c.description}`,
      inputSchema: z.toJSONSchema(c.input, { io: 'input' }) as Tool['inputSchema'],
      outputSchema: z.toJSONSchema(c.output) as Tool['outputSchema'],
      annotations: { title: c.title, ...c.annotations },
    } satisfies Tool,
  }));

  const gatewayAllows = async (caller: Caller, server: string, tool: string, action: ToolAction): Promise<{ allow: boolean; error?: boolean; reasons: string[] }> => {
    const d = await decideInSpan(deps.authorizer, policyInputFor({ subject: caller.principal, server, tool, action, nowMs: now() }));
    deps.metrics.authzDecisions.inc({ server: GATEWAY_SERVER_ID, tool, decision: d.error ? 'error' : d.allow ? 'allow' : 'deny' });
    return { allow: d.allow, reasons: d.reasons, ...(d.error ? { error: true } : {}) };
  };

  /** The federated tools of one backend for the caller (empty when it is down, not exposed to the caller, or fails). */
  const backendTools = async (caller: Caller, server: string, signal?: AbortSignal): Promise<Tool[]> => {
    const backend = deps.pool.get(server);
    if (!backend || !deps.health.isUp(server)) return [];
    if (!(await gatewayAllows(caller, server, '*', 'read')).allow) return [];
    try {
      const tools = await deps.catalog.toolsOf(caller.token, backend, signal);
      const out: Tool[] = [];
      for (const t of tools) {
        const name = exposedName(server, t.name);
        if (name === undefined) {
          deps.logger.warn('backend tool name cannot be exposed', { labels: { backend: server, tool: t.name.slice(0, 64) } });
          continue;
        }
        out.push({
          ...t,
          name,
          title: `${t.title ?? t.annotations?.title ?? t.name} [${server}]`,
          description: `[${server} server] ${t.description ?? ''}`.trim(),
          ...(t.annotations ? { annotations: { ...t.annotations, title: `${t.annotations.title ?? t.title ?? t.name} [${server}]` } } : {}),
        });
      }
      return out;
    } catch (err) {
      if (err instanceof UpstreamUnavailableError) deps.health.reportFailure(server);
      deps.logger.warn('backend tool list unavailable', { error: err, labels: { backend: server } });
      return [];
    }
  };

  const listFor = async (caller: Caller, signal?: AbortSignal): Promise<Tool[]> => {
    const perBackend = await Promise.all(deps.pool.list().map((b) => backendTools(caller, b.name, signal)));
    const federated = perBackend.flat();
    const names = new Set(federated.map((t) => t.name));
    const ops = (await gatewayAllows(caller, COMPOSITE_SERVER, '*', 'read')).allow
      ? compositeListing.filter(({ tool }) => tool.requires.every((r) => names.has(r))).map(({ listed }) => listed)
      : [];
    return [...federated, ...ops];
  };

  const audit = (caller: Caller, tool: string, outcome: 'success' | 'error' | 'denied', startedNs: bigint, extra: Record<string, unknown>, reason?: string, action = 'tool-call'): void => {
    deps.logger.audit({
      action,
      category: ['api'],
      type: [outcome === 'denied' ? 'denied' : 'access'],
      outcome: outcome === 'success' ? 'success' : 'failure',
      durationNs: Number(process.hrtime.bigint() - startedNs),
      ...(reason ? { reason } : {}),
      fields: {
        user: { id: caller.principal.id, roles: caller.principal.groups },
        client: { id: caller.principal.clientId },
        mcp: { server: GATEWAY_SERVER_ID, tool, ...extra },
      },
    });
  };

  /** Calls `tool` on backend `server` for the caller; failures of the hop itself become `isError` results. */
  const callBackend = async (caller: Caller, server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal, stepUpToCaller = false, asTask = false): Promise<CallToolResult> => {
    const backend = deps.pool.get(server);
    if (!backend) return failure('ERR_VALIDATION', `No server "${server}" behind this gateway.`, false);
    if (!deps.health.isUp(server)) {
      return failure('ERR_UPSTREAM_UNAVAILABLE', `MCP server "${server}" is unavailable right now (not ready); try again later.`, true);
    }
    // Asked only when a replica failed after the call reached it: may it go to another replica? Only a tool
    // that says repeating it changes nothing (readOnlyHint, or idempotentHint: the spine's idempotent creates
    // carry a key and look it up under a Redis-shared lock) — never a write on a guess (docs/reliability.md).
    const repeatable = async (): Promise<boolean> => {
      const listed = await deps.catalog.toolsOf(caller.token, backend, signal).catch(() => []);
      const a = listed.find((t) => t.name === tool)?.annotations;
      return a?.readOnlyHint === true || a?.idempotentHint === true;
    };
    try {
      const delegated = await deps.exchanger.exchange(caller.token, backend.url);
      if (!asTask) return await backend.callTool(delegated, tool, args, signal, { repeatable });
      // The caller declared the Tasks extension (SEP-2663): so does the hop, and a task handle comes back
      // with its id under the server's prefix, so tasks/* find their way back to the same backend.
      const raw = await backend.request(delegated, 'tools/call', { name: tool, arguments: args }, TASK_CAPABILITIES, signal, { repeatable });
      return (raw['resultType'] === 'task' ? { ...raw, taskId: `${server}${TASK_ID_SEPARATOR}${String(raw['taskId'])}` } : raw) as CallToolResult;
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      // The backend's policy wants a stronger login (RFC 9470). A direct call hands the demand to the HTTP
      // layer, which answers the caller with the same challenge naming the gateway's own metadata (createMcpApp);
      // in a composite it is one hop's missing part.
      if (err instanceof StepUpRequiredError) {
        const demand = { acrValues: [...err.demand.acrValues], ...(err.demand.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: err.demand.maxAgeSeconds }) };
        const reqCtx = currentRequestContext();
        if (stepUpToCaller && reqCtx !== undefined) reqCtx.stepUp = demand;
        return {
          ...failure('ERR_STEP_UP_REQUIRED', `MCP server "${server}" requires a stronger authentication (acr ${demand.acrValues.join(' or ')}) for this call; sign in again.`, false),
          _meta: { [ERROR_META_KEY]: { code: 'ERR_STEP_UP_REQUIRED', retryable: false, acr_values: demand.acrValues.join(' '), ...(demand.maxAgeSeconds === undefined ? {} : { max_age: demand.maxAgeSeconds }) } },
        };
      }
      if (err instanceof UpstreamUnavailableError) deps.health.reportFailure(server);
      const f = toToolFailure(err, `MCP server "${server}"`, currentRequestContext()?.traceId);
      if (f.code === 'ERR_INTERNAL') deps.logger.error('backend call failed', { error: err, labels: { backend: server } });
      return failure(f.code, f.message, f.retryable);
    }
  };

  const runComposite = async (caller: Caller, composite: CompositeTool, exposed: string, rawArgs: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> => {
    const parsed = composite.input.safeParse(rawArgs);
    if (!parsed.success) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Input validation error: invalid arguments for tool ${exposed}: ${z.prettifyError(parsed.error)}`);
    }
    // Each hop is a span (its policy decision and backend call are its children): one trace shows the composite.
    const hop = (server: string, tool: string, args: Record<string, unknown>): Promise<HopOutcome> =>
      inSpan(`hop ${server}__${tool}`, { attributes: { [ATTR.SERVER]: server, [ATTR.GEN_AI_TOOL_NAME]: tool } }, () => runHop(server, tool, args));
    const runHop = async (server: string, tool: string, args: Record<string, unknown>): Promise<HopOutcome> => {
      const started = process.hrtime.bigint();
      const hopName = exposedName(server, tool) ?? `${server}__${tool}`;
      const gate = await gatewayAllows(caller, server, hopName, 'execute');
      let outcome: HopOutcome;
      if (!gate.allow) {
        outcome = gate.error
          ? { status: 'unavailable', code: 'ERR_AUTHZ_UNAVAILABLE', message: 'Authorization service unavailable: the hop was denied (fail closed).' }
          : { status: 'denied', code: 'ERR_AUTHZ_DENIED', message: `Permission denied: ${gate.reasons.join('; ') || `the gateway does not expose ${server} to you`}.` };
      } else {
        try {
          const result = await callBackend(caller, server, tool, args, signal);
          const text = result.content.filter((c): c is { type: 'text'; text: string } => c.type === 'text').map((c) => c.text).join('\n');
          if (!result.isError) outcome = { status: 'ok', result: (result.structuredContent ?? {}) as Record<string, unknown> };
          else {
            const code = codeOf(result) ?? 'ERR_TOOL_FAILED';
            outcome = { status: code === 'ERR_AUTHZ_DENIED' || code === 'ERR_STEP_UP_REQUIRED' ? 'denied' : UNAVAILABLE.has(code) ? 'unavailable' : 'failed', code, message: text || `${hopName} failed.` };
          }
        } catch (err) {
          outcome = { status: 'failed', code: 'ERR_VALIDATION', message: err instanceof Error ? err.message : String(err) };
        }
      }
      audit(caller, exposed, outcome.status === 'ok' ? 'success' : outcome.status === 'denied' ? 'denied' : 'error', started, { hop: { server, tool } }, outcome.status === 'ok' ? undefined : outcome.code, 'tool-hop');
      return outcome;
    };
    const out = await composite.handler(parsed.data, { hop, signal, now });
    return { content: [{ type: 'text', text: out.text }], structuredContent: out.structured, ...(out.isError ? { isError: true } : {}) };
  };

  const callTool = async (caller: Caller, name: string, args: Record<string, unknown>, clientSignal?: AbortSignal, asTask = false, requestId?: unknown): Promise<CallToolResult> => {
    const started = process.hrtime.bigint();
    const split = splitExposedName(name);
    const known = split !== undefined && (split.server === COMPOSITE_SERVER ? composites.has(split.tool) : deps.pool.get(split.server) !== undefined);
    if (!split || !known) {
      const servers = [...deps.pool.list().map((b) => b.name), COMPOSITE_SERVER].join(', ');
      const why = split === undefined ? `tool names here are "<server>__<tool>" with server one of ${servers}` : split.server === COMPOSITE_SERVER || deps.pool.get(split.server) ? `no such tool on "${split.server}"` : `no server "${split.server}" behind this gateway (servers: ${servers})`;
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found: ${why}.`);
    }
    const { server, tool } = split;
    // The caller's abort and the call's deadline in one signal, its timer cleared when the call ends (the spine's callSignal).
    const deadline = callSignal(clientSignal, deps.callTimeoutMs);
    const signal = deadline.signal;
    let outcome: 'success' | 'error' | 'denied' = 'error';
    let reason: string | undefined;
    // Only a well-formed name of a known server names a span (≤ 64 of [a-zA-Z0-9_-]): `tools/call <server>__<tool>`
    // by the MCP semantic conventions; the gateway rule, the backend call and the backend's own spans are its children.
    return inToolCallSpan({ server: GATEWAY_SERVER_ID, tool: name, requestId }, async () => {
      try {
        const gate = await gatewayAllows(caller, server, name, 'execute');
        if (!gate.allow) {
          outcome = gate.error ? 'error' : 'denied';
          reason = gate.error ? 'ERR_AUTHZ_UNAVAILABLE' : 'ERR_AUTHZ_DENIED';
          return gate.error
            ? failure('ERR_AUTHZ_UNAVAILABLE', 'Authorization service unavailable: the call was denied (fail closed).', true)
            : failure('ERR_AUTHZ_DENIED', `Permission denied: ${gate.reasons.length > 0 ? gate.reasons.join('; ') : 'the gateway does not expose this server to you'}.`, false);
        }
        const result =
          server === COMPOSITE_SERVER ? await runComposite(caller, composites.get(tool) as CompositeTool, name, args, signal) : await callBackend(caller, server, tool, args, signal, true, asTask);
        const code = result.isError ? codeOf(result) : undefined;
        outcome = !result.isError ? 'success' : code === 'ERR_AUTHZ_DENIED' || code === 'ERR_STEP_UP_REQUIRED' ? 'denied' : 'error';
        reason = result.isError ? (code ?? 'ERR_TOOL_FAILED') : undefined;
        return result;
      } finally {
        deadline.done();
        deps.metrics.toolCalls.inc({ server: GATEWAY_SERVER_ID, tool: name, outcome });
        deps.metrics.toolCallDuration.observe({ server: GATEWAY_SERVER_ID, tool: name }, Number(process.hrtime.bigint() - started) / 1e9);
        audit(caller, name, outcome, started, { backend: { server, tool } }, reason);
      }
    });
  };

  /**
   * `tasks/get|update|cancel` for a task a backend created: the id's prefix names the backend, the gateway
   * rule must expose that server to the caller, and the backend's own policy decides (only the requester,
   * approvers and admins see a deployment). Every refusal looks like an unknown task, so ids cannot be probed.
   */
  const taskRequest = async (caller: Caller, method: 'tasks/get' | 'tasks/update' | 'tasks/cancel', taskId: string, extra: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> => {
    const started = process.hrtime.bigint();
    const notFound = () => new ProtocolError(ProtocolErrorCode.InvalidParams, 'Failed to retrieve task: Task not found');
    const at = taskId.indexOf(TASK_ID_SEPARATOR);
    const server = at > 0 ? taskId.slice(0, at) : '';
    const backend = deps.pool.get(server);
    let outcome: 'success' | 'error' | 'denied' = 'error';
    let reason: string | undefined;
    try {
      if (backend === undefined) {
        reason = 'ERR_NOT_FOUND';
        throw notFound();
      }
      const gate = await gatewayAllows(caller, server, method, method === 'tasks/get' ? 'read' : 'write');
      if (!gate.allow) {
        outcome = gate.error ? 'error' : 'denied';
        reason = gate.error ? 'ERR_AUTHZ_UNAVAILABLE' : 'ERR_AUTHZ_DENIED';
        throw notFound();
      }
      try {
        const delegated = await deps.exchanger.exchange(caller.token, backend.url);
        // tasks/get reads (another replica may answer it); update and cancel change a task: sent once.
        const raw = await backend.request(delegated, method, { taskId: taskId.slice(at + TASK_ID_SEPARATOR.length), ...extra }, TASK_CAPABILITIES, signal, { repeatable: () => method === 'tasks/get' });
        outcome = 'success';
        return 'taskId' in raw ? { ...raw, taskId } : raw;
      } catch (err) {
        if (err instanceof ProtocolError) {
          reason = 'ERR_NOT_FOUND';
          throw err;
        }
        if (err instanceof UpstreamUnavailableError) deps.health.reportFailure(server);
        const f = toToolFailure(err, `MCP server "${server}"`, currentRequestContext()?.traceId);
        reason = f.code;
        throw new ProtocolError(ProtocolErrorCode.InternalError, f.message, { [ERROR_META_KEY]: { code: f.code, retryable: f.retryable } });
      }
    } finally {
      audit(caller, method, outcome, started, { task: { id: taskId }, backend: { server } }, reason, 'task');
    }
  };

  const callerOfAuth = (authInfo: AuthInfo | undefined): Caller => {
    if (!authInfo) throw new ProtocolError(ProtocolErrorCode.InternalError, 'unauthenticated request reached the gateway');
    return { principal: principalFromAuthInfo(authInfo), token: authInfo.token };
  };
  // The SDK's own encoding of a composed list, once per distinct list (both eras).
  const listings = createListingEncoder({ name: deps.name, version: deps.version });
  const fastPath: FastPathHandlers = {
    takes: (r) => r.method === 'tools/list' || !envelopeDeclaresTasks(r.envelope),
    listTools: async (r, authInfo) => (await listings.encode(await listFor(callerOfAuth(authInfo))))[r.era],
    callTool: async (r, authInfo, signal) => {
      const result = await callTool(callerOfAuth(authInfo), r.name, r.args ?? {}, signal, false, r.id);
      // What the SDK server does to a tool result before it is validated: a result without content gets `content: []`.
      return result.content === undefined ? { ...result, content: [] } : result;
    },
  };

  const serverFactory: McpServerFactory = (reqCtx) => {
    const server = new Server({ name: deps.name, version: deps.version }, { capabilities: { tools: { listChanged: true } } });
    // The Tasks extension (SEP-2663) of the backends, passed through.
    server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } } as Parameters<typeof server.registerCapabilities>[0]);
    const callerOf = (ctx: ServerContext): Caller => callerOfAuth(ctx.http?.authInfo ?? reqCtx.authInfo);
    server.setRequestHandler('tools/list', async (_req, ctx) => ({ tools: await listFor(callerOf(ctx), (ctx.mcpReq as { signal?: AbortSignal } | undefined)?.signal) }));
    server.setRequestHandler('tools/call', async (req, ctx) =>
      callTool(
        callerOf(ctx),
        req.params.name,
        (req.params.arguments ?? {}) as Record<string, unknown>,
        (ctx.mcpReq as { signal?: AbortSignal } | undefined)?.signal,
        declaresTasks(ctx),
        (ctx.mcpReq as { id?: unknown } | undefined)?.id,
      ),
    );
    const tasksFor = (ctx: ServerContext): Caller => {
      if (!declaresTasks(ctx)) throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
      return callerOf(ctx);
    };
    const signalOf = (ctx: ServerContext) => (ctx.mcpReq as { signal?: AbortSignal } | undefined)?.signal;
    server.setRequestHandler('tasks/get', { params: TaskIdParams }, async ({ taskId }, ctx) => taskRequest(tasksFor(ctx), 'tasks/get', taskId, {}, signalOf(ctx)));
    server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async ({ taskId }, ctx) => taskRequest(tasksFor(ctx), 'tasks/cancel', taskId, {}, signalOf(ctx)));
    server.setRequestHandler('tasks/update', { params: TaskIdParams }, async ({ taskId }, ctx) => {
      // The SDK lifts `inputResponses` off the params into the context; the hop sends them on unchanged.
      const inputResponses = z.record(z.string(), z.unknown()).safeParse(ctx.mcpReq.inputResponses);
      if (!inputResponses.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid params for tasks/update: inputResponses must be an object');
      return taskRequest(tasksFor(ctx), 'tasks/update', taskId, { inputResponses: inputResponses.data }, signalOf(ctx));
    });
    return server;
  };
  return { serverFactory, fastPath };
}
