import type { AuthInfo, CallToolResult } from '@modelcontextprotocol/server';
import { principalFromAuthInfo, type Principal } from '../auth/index.ts';
import { AuthzDeniedError, AuthzUnavailableError, StepUpRequiredError, assertAllowed, policyInputFor, type Authorizer, type Decision, type PolicyInput } from '../authz/index.ts';
import { createMemoryResourceLock, serverLockKey, type ResourceLock } from '../binding/index.ts';
import { assertArgumentsSafe } from '../input/arguments.ts';
import { currentRequestContext, type AuditLogger, type Logger } from '../logging/index.ts';
import type { PlatformMetrics } from '../metrics/index.ts';
import { decideInSpan, inToolCallSpan } from '../telemetry/mcp.ts';
import { UpstreamDegradedError, staleReadsOfCurrentRequest, type BreakerState } from '../resilience/index.ts';
import { PlatformError } from '../errors/index.ts';
import { ERROR_META_KEY, toToolFailure, type ToolFailure } from './errors-to-result.ts';
import { callSignal } from './call-signal.ts';
import type { TaskBackend } from './tasks.ts';
import type { AnyToolDefinition, TokenDelegation, ToolContext } from './tool.ts';

/** Options of {@link createToolRunner} (the policy, audit and binding half of a server). */
export interface ToolRunnerOptions<D> {
  /** The `server` field of policy input, e.g. `network`. */
  serverId: string;
  /** Human name of the upstream, used in error messages (`Catalyst Center`). */
  upstreamName: string;
  tools: AnyToolDefinition<D>[];
  deps: D;
  /** Decides tool calls (should audit every decision). */
  authorizer: Authorizer;
  /** Decides what `tools/list` shows; defaults to `authorizer` (a cached, non-auditing one is better). */
  listAuthorizer?: Authorizer;
  logger: Logger & AuditLogger;
  metrics: PlatformMetrics;
  /** Per-resource write lock for tools with `lockKeys`. Default: in-process. */
  resourceLock?: ResourceLock;
  /** Deadline of one tool call in milliseconds. Default 60000. */
  callTimeoutMs?: number;
  /**
   * Degraded mode: the state of the upstream's circuit breaker. While it is `open`, write and
   * execute tools are refused (`ERR_UPSTREAM_DEGRADED`) before anything is read or decided.
   * Default: never degraded.
   */
  upstreamBreaker?: () => BreakerState;
  /** How tools obtain tokens for other services on the caller's behalf (`ToolContext.delegate`). Default: none. */
  delegation?: TokenDelegation;
  /** Where the server's tasks live; a tool with `task` answers a task-declaring call with its task. Default: none. */
  tasks?: TaskBackend;
  now?: () => number;
}

/**
 * What one call carries besides its validated arguments, the same on both paths: who calls, the
 * client's abort signal, how to reach the caller with progress, and whether it asked for a task.
 */
export interface ToolCallExtras {
  /** The verified caller (`req.auth` / the SDK's `http.authInfo`); its token feeds `ToolContext.delegate`. */
  authInfo?: AuthInfo | undefined;
  /** Aborted when the client goes away or cancels. */
  signal?: AbortSignal | undefined;
  /**
   * Sends `notifications/progress` for this request; present only when the request carried a
   * `progressToken` (otherwise `ToolContext.progress` does nothing).
   */
  notifyProgress?: ((params: { progress: number; total?: number; message?: string }) => Promise<void>) | undefined;
  /** The request declared the Tasks extension (2026-07-28): a tool with `task` answers with its task. Default false. */
  declaresTasks?: boolean | undefined;
  /** The JSON-RPC request id (an attribute of the call's span). */
  rpcId?: unknown;
}

/** `_meta` key on a result that was (partly) answered from the read cache while the upstream was down. */
export const STALE_META_KEY = 'io.mcp-platform/stale';

/** Runs already-validated tool calls under the policy; shared by the SDK path and the fast path. */
export interface ToolRunner<D> {
  /** The tools by name (built once per process). */
  readonly byName: ReadonlyMap<string, AnyToolDefinition<D>>;
  /**
   * Decides, runs, audits and measures one call whose arguments already passed the tool's input
   * schema. Never throws: failures (denials included) come back as `isError` results.
   */
  call(tool: AnyToolDefinition<D>, args: Record<string, unknown>, extras: ToolCallExtras): Promise<CallToolResult>;
  /** Which of the tools the caller may see in `tools/list` (one argument-free decision per tool; step-up-able ones stay listed). */
  allowedToList(authInfo: AuthInfo): Promise<boolean[]>;
}

/**
 * Builds the per-process tool runner: the policy decides before any handler
 * runs (twice for tools with `resolveResource`: argument-free first, then with
 * the resolved resource, under the resources' locks), one audit line and the
 * metrics per call.
 *
 * @example
 * ```ts
 * const runner = createToolRunner({ serverId: 'network', upstreamName: 'Catalyst Center', tools, deps, authorizer, logger, metrics });
 * const result = await runner.call(tool, validatedArgs, { authInfo: req.auth, signal });
 * ```
 */
export function createToolRunner<D>(opts: ToolRunnerOptions<D>): ToolRunner<D> {
  const now = opts.now ?? Date.now;
  const listAuthorizer = opts.listAuthorizer ?? opts.authorizer;
  const timeoutMs = opts.callTimeoutMs ?? 60_000;
  const byName = new Map(opts.tools.map((t) => [t.name, t]));
  // Each tool's logger (bound to server and tool) is made once, not per call.
  const loggers = new Map(opts.tools.map((t) => [t.name, opts.logger.child({ mcp: { server: opts.serverId, tool: t.name } })]));
  const resourceLock = opts.resourceLock ?? createMemoryResourceLock();
  for (const t of opts.tools) {
    if (t.action === 'write' && t.resolveResource && !t.lockKeys) {
      throw new TypeError(`tool ${t.name}: a ${t.action} tool whose decision depends on upstream state (resolveResource) must declare lockKeys`);
    }
  }

  const policyInput = (principal: Principal, tool: AnyToolDefinition<D>, args: Record<string, unknown>, resource?: Record<string, unknown>): PolicyInput =>
    policyInputFor({ subject: principal, server: opts.serverId, tool: tool.name, action: tool.action, arguments: args, resource, nowMs: now() });

  const enforce = async (authorizer: Authorizer, input: PolicyInput): Promise<void> => {
    const started = process.hrtime.bigint();
    const decision: Decision = await decideInSpan(authorizer, input);
    opts.metrics.authzDecisionDuration.observe({ server: opts.serverId }, Number(process.hrtime.bigint() - started) / 1e9);
    opts.metrics.authzDecisions.inc({ server: opts.serverId, tool: input.tool, decision: decision.error ? 'error' : decision.allow ? 'allow' : 'deny' });
    assertAllowed(decision);
  };

  // One span per call, named and attributed by the OTel semantic conventions for MCP tool calls (both paths).
  const call: ToolRunner<D>['call'] = (tool, args, extras) =>
    inToolCallSpan({ server: opts.serverId, tool: tool.name, requestId: extras.rpcId }, () => run(tool, args, extras));

  const run: ToolRunner<D>['call'] = async (tool, args, extras) => {
    const { authInfo, signal: clientSignal, notifyProgress } = extras;
    // Answered with a task: the tool declares one, the server has a backend, the caller declared the extension.
    const asTask = tool.task !== undefined && opts.tasks !== undefined && extras.declaresTasks === true;
    const started = process.hrtime.bigint();
    const reqCtx = currentRequestContext();
    const principal = principalFromAuthInfo(authInfo);
    const logger = loggers.get(tool.name) ?? opts.logger.child({ mcp: { server: opts.serverId, tool: tool.name } });
    // The client's abort and the deadline; the deadline's timer is cleared when the call ends (finally).
    const callAbort = callSignal(clientSignal, timeoutMs);
    const ctx: ToolContext<D> = {
      principal,
      logger,
      deps: opts.deps,
      signal: callAbort.signal,
      deadline: now() + timeoutMs,
      requestId: reqCtx?.requestId ?? '',
      delegate: async (audience) => {
        const token = authInfo?.token;
        if (opts.delegation === undefined || token === undefined) throw new PlatformError('ERR_VALIDATION', 'this server cannot act on your behalf towards other services (no token delegation configured)');
        return opts.delegation.exchange(token, audience);
      },
      asTask,
      progress: async (progress, total, message) => {
        if (notifyProgress === undefined) return;
        await notifyProgress({ progress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) });
      },
    };
    let outcome: 'success' | 'error' | 'denied' = 'success';
    let failure: ToolFailure | undefined;
    try {
      // Degraded mode: no write is decided on cached state, and none is attempted against a down upstream.
      if (tool.action !== 'read' && opts.upstreamBreaker?.() === 'open') throw new UpstreamDegradedError(opts.upstreamName);
      // A write's reads (resolveResource, compare-and-set versions) skip fresh cache entries (UPSTREAM_CACHE_FRESH_MS).
      if (tool.action !== 'read' && reqCtx !== undefined) reqCtx.upstreamWrite = true;
      let output: unknown;
      // Hostile input (lone surrogates, whitespace-only strings, huge arrays) never reaches the policy or an upstream.
      assertArgumentsSafe(args, tool.inputLimits);
      const { resolveResource, lockKeys } = tool;
      // `run` under the tool's resource locks (its server's keys), or as it is for a tool without lockKeys.
      const underLocks = async <T>(run: () => Promise<T>): Promise<T> =>
        lockKeys
          ? resourceLock.withLock(
              (await lockKeys(args, ctx)).map((k) => serverLockKey(opts.serverId, k)),
              run,
              { signal: ctx.signal, ttlMs: timeoutMs + 10_000 },
            )
          : run();
      if (resolveResource) {
        // Argument-independent check first, so callers without any right never make us read upstream.
        await enforce(opts.authorizer, policyInput(principal, tool, {}));
        // Decision binds to write: read, decide and write under the resources' locks.
        output = await underLocks(async () => {
          const resource = await resolveResource(args, ctx);
          await enforce(opts.authorizer, policyInput(principal, tool, args, resource));
          return tool.handler(args, ctx, resource);
        });
      } else {
        await enforce(opts.authorizer, policyInput(principal, tool, args));
        // A create with an idempotency key locks on it: a concurrent retry waits, then finds the record.
        output = await underLocks(async () => tool.handler(args, ctx, {}));
      }
      const text = tool.render ? tool.render(output) : JSON.stringify(output);
      const result: CallToolResult = { content: [{ type: 'text', text }], structuredContent: output as Record<string, unknown> };
      const stale = staleReadsOfCurrentRequest();
      if (stale.length > 0) {
        // Answered (at least partly) from the read cache while the upstream was down: say so, and how old.
        const ageMs = Math.max(...stale.map((s) => s.ageMs));
        result._meta = { [STALE_META_KEY]: { stale: true, ageMs, upstreams: [...new Set(stale.map((s) => s.upstream))] } };
        result.content.push({ type: 'text', text: `(stale: ${opts.upstreamName} is down; answered from the cache, ${Math.round(ageMs / 1000)} s old)` });
      }
      // `task()` may answer undefined: this call's work finished inside it, so the result, not a task.
      const taskId = asTask && tool.task ? tool.task(output) : undefined;
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
      // The HTTP layer turns this into the RFC 9470 challenge (createMcpApp, both paths).
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
      callAbort.done();
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

  const allowedToList: ToolRunner<D>['allowedToList'] = async (authInfo) => {
    const principal = principalFromAuthInfo(authInfo);
    const decisions = await Promise.all(opts.tools.map((tool) => listAuthorizer.decide(policyInput(principal, tool, {}))));
    // A tool the caller may call after a step-up stays listed: calling it yields the challenge.
    return decisions.map((d) => d.allow === true || d.stepUp !== undefined);
  };

  return { byName, call, allowedToList };
}
