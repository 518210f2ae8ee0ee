import { McpServer, type CallToolResult, type McpServerFactory, type RegisteredTool, type ServerContext } from '@modelcontextprotocol/server';
import { principalFromAuthInfo, type Principal } from '../auth/index.ts';
import { AuthzDeniedError, AuthzUnavailableError, StepUpRequiredError, assertAllowed, type Authorizer, type Decision, type PolicyInput } from '../authz/index.ts';
import { createMemoryResourceLock, type ResourceLock } from '../binding/index.ts';
import { assertArgumentsSafe } from '../input/index.ts';
import { PlatformError } from '../errors/index.ts';
import { currentRequestContext, type AuditLogger, type Logger } from '../logging/index.ts';
import type { PlatformMetrics } from '../metrics/index.ts';
import { decideInSpan, inToolCallSpan } from '../telemetry/mcp.ts';
import { ERROR_META_KEY, toToolFailure, type ToolFailure } from './errors-to-result.ts';
import { attachTasks, declaresTasks, type TaskBackend } from './tasks.ts';
import type { AnyToolDefinition, TokenDelegation, ToolContext } from './tool.ts';

/** Options of {@link createServerFactory}. */
export interface ServerFactoryOptions<D> {
  /** MCP implementation name/version reported to clients. */
  name: string;
  version: string;
  /** The `server` field of policy input, e.g. `network`. */
  serverId: string;
  /** Human name of the upstream, used in error messages (`Catalyst Center`). */
  upstreamName: string;
  instructions?: string;
  tools: AnyToolDefinition<D>[];
  deps: D;
  /** Decides tool calls (should audit every decision). */
  authorizer: Authorizer;
  /** Decides what `tools/list` shows; defaults to `authorizer` (a cached, non-auditing one is better). */
  listAuthorizer?: Authorizer;
  logger: Logger & AuditLogger;
  metrics: PlatformMetrics;
  /**
   * Per-resource write lock for tools with `lockKeys` (decision binds to write). Default: an
   * in-process lock (correct for one replica; pass the Redis one when replicas share state).
   */
  resourceLock?: ResourceLock;
  /** Deadline of one tool call in milliseconds. Default 60000. */
  callTimeoutMs?: number;
  /** How tools obtain tokens for other services on the caller's behalf (`ToolContext.delegate`). Default: none. */
  delegation?: TokenDelegation;
  /** Where the server's tasks live; with it the Tasks extension (SEP-2663) is served. Default: none. */
  tasks?: TaskBackend;
  now?: () => number;
}

/** The caller's authentication (`acr`, `amr`, `auth_time`, its age) as policy input `subject` fields. */
function authenticationInput(principal: Principal, nowMs: number): Pick<PolicyInput['subject'], 'acr' | 'amr' | 'auth_time' | 'auth_age_seconds'> {
  const auth = principal.authentication;
  if (auth === undefined) return {};
  return {
    ...(auth.acr === undefined ? {} : { acr: auth.acr }),
    ...(auth.amr === undefined ? {} : { amr: [...auth.amr] }),
    ...(auth.authTime === undefined ? {} : { auth_time: auth.authTime, auth_age_seconds: Math.floor(nowMs / 1000 - auth.authTime) }),
  };
}

/**
 * Builds the per-request `McpServer` factory for the SDK's `createMcpHandler`:
 * every tool is wrapped so that the policy decides before the handler runs,
 * `tools/list` shows only the tools the caller may call, and each call yields
 * one audit line and metrics.
 */
export function createServerFactory<D>(opts: ServerFactoryOptions<D>): McpServerFactory {
  const now = opts.now ?? Date.now;
  const listAuthorizer = opts.listAuthorizer ?? opts.authorizer;
  const timeoutMs = opts.callTimeoutMs ?? 60_000;
  const byName = new Map(opts.tools.map((t) => [t.name, t]));
  const resourceLock = opts.resourceLock ?? createMemoryResourceLock();
  for (const t of opts.tools) {
    if (t.action === 'write' && t.resolveResource && !t.lockKeys) {
      throw new TypeError(`tool ${t.name}: a ${t.action} tool whose decision depends on upstream state (resolveResource) must declare lockKeys`);
    }
  }

  const policyInput = (principal: Principal, tool: AnyToolDefinition<D>, args: Record<string, unknown>, resource?: Record<string, unknown>): PolicyInput => {
    const input: PolicyInput = {
      subject: { id: principal.id, groups: principal.groups, scopes: principal.scopes, client_id: principal.clientId, ...authenticationInput(principal, now()) },
      server: opts.serverId,
      tool: tool.name,
      action: tool.action,
      arguments: args,
      context: { request_id: currentRequestContext()?.requestId ?? '', time: new Date(now()).toISOString() },
    };
    if (resource !== undefined) input.resource = resource;
    return input;
  };

  const enforce = async (authorizer: Authorizer, input: PolicyInput): Promise<void> => {
    const started = process.hrtime.bigint();
    const decision: Decision = await decideInSpan(authorizer, input);
    opts.metrics.authzDecisionDuration.observe({ server: opts.serverId }, Number(process.hrtime.bigint() - started) / 1e9);
    opts.metrics.authzDecisions.inc({ server: opts.serverId, tool: input.tool, decision: decision.error ? 'error' : decision.allow ? 'allow' : 'deny' });
    assertAllowed(decision);
  };

  // One span per call, named and attributed by the OTel semantic conventions for MCP tool calls.
  const wrap = (tool: AnyToolDefinition<D>) => (args: Record<string, unknown>, sdkCtx: ServerContext): Promise<CallToolResult> =>
    inToolCallSpan({ server: opts.serverId, tool: tool.name, requestId: (sdkCtx.mcpReq as { id?: unknown } | undefined)?.id }, () => call(tool, args, sdkCtx));

  const call = async (tool: AnyToolDefinition<D>, args: Record<string, unknown>, sdkCtx: ServerContext): Promise<CallToolResult> => {
    const started = process.hrtime.bigint();
    const reqCtx = currentRequestContext();
    const principal = principalFromAuthInfo(sdkCtx.http?.authInfo);
    const logger = opts.logger.child({ mcp: { server: opts.serverId, tool: tool.name } });
    const signals = [AbortSignal.timeout(timeoutMs)];
    const clientSignal = (sdkCtx.mcpReq as { signal?: AbortSignal } | undefined)?.signal;
    if (clientSignal) signals.push(clientSignal);
    const ctx: ToolContext<D> = {
      principal,
      logger,
      deps: opts.deps,
      signal: AbortSignal.any(signals),
      deadline: now() + timeoutMs,
      requestId: reqCtx?.requestId ?? '',
      delegate: async (audience) => {
        const token = sdkCtx.http?.authInfo?.token;
        if (opts.delegation === undefined || token === undefined) throw new PlatformError('ERR_VALIDATION', 'this server cannot act on your behalf towards other services (no token delegation configured)');
        return opts.delegation.exchange(token, audience);
      },
      asTask: tool.task !== undefined && opts.tasks !== undefined && declaresTasks(sdkCtx),
      progress: async (progress, total, message) => {
        const progressToken = sdkCtx.mcpReq._meta?.progressToken;
        if (progressToken === undefined) return;
        await sdkCtx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) },
        });
      },
    };
    let outcome: 'success' | 'error' | 'denied' = 'success';
    let failure: ToolFailure | undefined;
    try {
      let output: unknown;
      // Hostile input (lone surrogates, whitespace-only strings, huge arrays) never reaches the policy or an upstream.
      assertArgumentsSafe(args, tool.inputLimits);
      const { resolveResource, lockKeys } = tool;
      if (resolveResource) {
        // Argument-independent check first, so callers without any right never make us read upstream.
        await enforce(opts.authorizer, policyInput(principal, tool, {}));
        const decideAndRun = async () => {
          const resource = await resolveResource(args, ctx);
          await enforce(opts.authorizer, policyInput(principal, tool, args, resource));
          return tool.handler(args, ctx, resource);
        };
        // Decision binds to write: read, decide and write under the resources' locks.
        output = lockKeys
          ? await resourceLock.withLock(
              (await lockKeys(args, ctx)).map((k) => `${opts.serverId}:${k}`),
              decideAndRun,
              { signal: ctx.signal, ttlMs: timeoutMs + 10_000 },
            )
          : await decideAndRun();
      } else {
        await enforce(opts.authorizer, policyInput(principal, tool, args));
        // A create with an idempotency key locks on it: a concurrent retry waits, then finds the record.
        output = lockKeys
          ? await resourceLock.withLock(
              (await lockKeys(args, ctx)).map((k) => `${opts.serverId}:${k}`),
              () => tool.handler(args, ctx, {}),
              { signal: ctx.signal, ttlMs: timeoutMs + 10_000 },
            )
          : await tool.handler(args, ctx, {});
      }
      const text = tool.render ? tool.render(output) : JSON.stringify(output);
      const result: CallToolResult = { content: [{ type: 'text', text }], structuredContent: output as Record<string, unknown> };
      const taskId = tool.task && opts.tasks && declaresTasks(sdkCtx) ? tool.task(output) : undefined;
      if (taskId !== undefined && opts.tasks) {
        const found = await opts.tasks.get(taskId);
        // The task exists durably (tasks/get resolves it) before it is returned, as SEP-2663 requires.
        if (found === undefined) throw new PlatformError('ERR_UPSTREAM_UNAVAILABLE', `task ${taskId} is not visible yet; retry`);
        // The SDK validates tools/call results as CallToolResult: the task handle carries the immediate output too.
        return { ...result, resultType: 'task', taskId, ...found.task } as CallToolResult;
      }
      return result;
    } catch (err) {
      outcome = err instanceof AuthzDeniedError || err instanceof AuthzUnavailableError || err instanceof StepUpRequiredError ? 'denied' : 'error';
      failure = toToolFailure(err, opts.upstreamName, reqCtx?.traceId);
      // The HTTP layer turns this into the RFC 9470 challenge (createMcpApp).
      const stepUp = err instanceof StepUpRequiredError ? err.demand : undefined;
      if (stepUp !== undefined && reqCtx !== undefined) reqCtx.stepUp = { acrValues: [...stepUp.acrValues], ...(stepUp.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: stepUp.maxAgeSeconds }) };
      if (outcome === 'error' && failure.code === 'ERR_INTERNAL') logger.error('tool handler failed', { error: err });
      return {
        isError: true,
        content: [{ type: 'text', text: failure.message }],
        _meta: {
          [ERROR_META_KEY]: {
            code: failure.code,
            retryable: failure.retryable,
            ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
            ...(reqCtx?.stepUp === undefined || outcome !== 'denied'
              ? {}
              : { acr_values: reqCtx.stepUp.acrValues.join(' '), ...(reqCtx.stepUp.maxAgeSeconds === undefined ? {} : { max_age: reqCtx.stepUp.maxAgeSeconds }) }),
          },
        },
      };
    } finally {
      const durationNs = Number(process.hrtime.bigint() - started);
      opts.metrics.toolCalls.inc({ server: opts.serverId, tool: tool.name, outcome });
      opts.metrics.toolCallDuration.observe({ server: opts.serverId, tool: tool.name }, durationNs / 1e9);
      opts.logger.audit({
        action: 'tool-call',
        category: ['api'],
        type: [outcome === 'denied' ? 'denied' : tool.action === 'read' ? 'access' : 'change'],
        outcome: outcome === 'success' ? 'success' : 'failure',
        durationNs,
        ...(failure ? { reason: failure.code } : {}),
        fields: {
          user: { id: principal.id, roles: principal.groups },
          client: { id: principal.clientId },
          mcp: { server: opts.serverId, tool: tool.name, action: tool.action },
        },
      });
    }
  };

  return async (reqCtx) => {
    const server = new McpServer(
      { name: opts.name, version: opts.version },
      { capabilities: { tools: {} }, ...(opts.instructions ? { instructions: opts.instructions } : {}) },
    );
    // A tools/call instance needs only the called tool (per-request construction is the hot path);
    // an unknown name falls back to all, so the SDK answers "not found" as usual.
    const reqInfo = currentRequestContext();
    const called = reqInfo?.rpcMethod === 'tools/call' ? byName.get(reqInfo.toolName ?? '') : undefined;
    const registered: [AnyToolDefinition<D>, RegisteredTool][] = (called ? [called] : opts.tools).map((tool) => [
      tool,
      server.registerTool(
        tool.name,
        { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: { title: tool.title, ...tool.annotations } },
        wrap(tool) as never,
      ),
    ]);
    if (opts.tasks) {
      const delegation = opts.delegation;
      attachTasks(server, {
        backend: opts.tasks,
        authorizer: opts.authorizer,
        serverId: opts.serverId,
        requestId: () => currentRequestContext()?.requestId ?? '',
        delegate: async (subjectToken, audience) => {
          if (delegation === undefined || subjectToken === '') throw new PlatformError('ERR_VALIDATION', 'this server cannot act on your behalf towards other services (no token delegation configured)');
          return delegation.exchange(subjectToken, audience);
        },
      });
    }
    if (reqInfo?.rpcMethod === 'tools/list' && reqCtx.authInfo) {
      const principal = principalFromAuthInfo(reqCtx.authInfo);
      const decisions = await Promise.all(registered.map(([tool]) => listAuthorizer.decide(policyInput(principal, tool, {}))));
      // A tool the caller may call after a step-up stays listed: calling it yields the challenge.
      registered.forEach(([, reg], i) => {
        if (!decisions[i]?.allow && decisions[i]?.stepUp === undefined) reg.disable();
      });
    }
    return server;
  };
}
