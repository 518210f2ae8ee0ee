import { McpServer, type CallToolResult, type McpServerFactory, type ServerContext } from '@modelcontextprotocol/server';
import type { Authorizer } from '../authz/index.ts';
import type { ResourceLock } from '../binding/index.ts';
import { currentRequestContext, type AuditLogger, type Logger } from '../logging/index.ts';
import type { PlatformMetrics } from '../metrics/index.ts';
import { PlatformError } from '../errors/index.ts';
import { attachTasks, declaresTasks, type TaskBackend } from './tasks.ts';
import type { AnyToolDefinition, TokenDelegation } from './tool.ts';
import { createToolRunner, type ToolRunner } from './tool-runner.ts';

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
  now?: () => number;
  /** A runner built elsewhere (the fast path shares it); default: one built from these options. */
  runner?: ToolRunner<D>;
  /** How tools obtain tokens for other services on the caller's behalf (`ToolContext.delegate`). Default: none. */
  delegation?: TokenDelegation;
  /** Where the server's tasks live; with it the Tasks extension (SEP-2663) is served. Default: none. */
  tasks?: TaskBackend;
}

/** How a platform tool is described to the SDK. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only schemas and metadata are read
function sdkToolConfig(tool: AnyToolDefinition<any>) {
  return { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: { title: tool.title, ...tool.annotations } };
}

/**
 * Builds the per-request `McpServer` factory for the SDK's `createMcpHandler`:
 * every tool is wrapped so that the policy decides before the handler runs,
 * `tools/list` shows only the tools the caller may call, and each call yields
 * one audit line and metrics (all of it in the shared {@link ToolRunner}).
 *
 * @example
 * ```ts
 * const handler = createMcpHandler(createServerFactory({ name, version, serverId, upstreamName, tools, deps, authorizer, logger, metrics }), { legacy: 'stateless' });
 * ```
 */
export function createServerFactory<D>(opts: ServerFactoryOptions<D>): McpServerFactory {
  const runner = opts.runner ?? createToolRunner(opts);
  const wrap = (tool: AnyToolDefinition<D>) => (args: Record<string, unknown>, sdkCtx: ServerContext): Promise<CallToolResult> => {
    const progressToken = sdkCtx.mcpReq._meta?.progressToken;
    return runner.call(tool, args, {
      authInfo: sdkCtx.http?.authInfo,
      signal: (sdkCtx.mcpReq as { signal?: AbortSignal } | undefined)?.signal,
      notifyProgress:
        progressToken === undefined ? undefined : (params) => sdkCtx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...params } }),
      declaresTasks: declaresTasks(sdkCtx),
      rpcId: (sdkCtx.mcpReq as { id?: unknown } | undefined)?.id,
    });
  };

  return async (reqCtx) => {
    const server = new McpServer(
      { name: opts.name, version: opts.version },
      { capabilities: { tools: {} }, ...(opts.instructions ? { instructions: opts.instructions } : {}) },
    );
    // A tools/call instance needs only the called tool (per-request construction is the hot path);
    // an unknown name falls back to all, so the SDK answers "not found" as usual.
    const reqInfo = currentRequestContext();
    const called = reqInfo?.rpcMethod === 'tools/call' ? runner.byName.get(reqInfo.toolName ?? '') : undefined;
    const registered = (called ? [called] : opts.tools).map((tool) =>
      server.registerTool(tool.name, sdkToolConfig(tool), wrap(tool) as never),
    );
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
      const allowed = await runner.allowedToList(reqCtx.authInfo);
      registered.forEach((reg, i) => {
        if (!allowed[i]) reg.disable();
      });
    }
    return server;
  };
}
