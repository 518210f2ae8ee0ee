import { MissingRequiredClientCapabilityError, ProtocolError, ProtocolErrorCode, type CallToolResult, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { principalFromAuthInfo, type Principal } from '../auth/index.ts';
import { policyInputFor, type Authorizer } from '../authz/index.ts';

/** The Tasks extension (SEP-2663, protocol revision 2026-07-28). */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** A task's status (SEP-2663). */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'cancelled' | 'failed';

/**
 * A task as `tasks/get` answers it (SEP-2663 `DetailedTask` without its id): `inputRequests` while
 * `input_required`, `result` (a `CallToolResult`) when `completed`, `error` (JSON-RPC) when `failed`.
 */
export interface TaskState {
  status: TaskStatus;
  statusMessage?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastUpdatedAt: string;
  /** Time-to-live from creation in ms; `null` = unlimited. */
  ttlMs: number | null;
  /** Suggested polling interval in ms. */
  pollIntervalMs?: number;
  /** Outstanding server-to-client requests (e.g. `elicitation/create`), keyed uniquely over the task's life. */
  inputRequests?: Record<string, { method: string; params: Record<string, unknown> }>;
  result?: CallToolResult;
  /** JSON-RPC error of a `failed` task; `data` carries the platform error (`io.mcp-platform/error`: code, retryable). */
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** Who acts on a task: the verified caller, and how to get a token for another service on their behalf. */
export interface TaskCaller {
  principal: Principal;
  delegate(audience: string): Promise<string>;
}

/**
 * Where a server's tasks live (for mcp-network: Temporal workflows, so any replica answers for any
 * task and tasks survive restarts). Never keeps tasks in process memory.
 */
export interface TaskBackend {
  /** The task and the attributes the policy decides on (`resource`, e.g. its requester); `undefined` when unknown. */
  get(taskId: string): Promise<{ task: TaskState; resource: Record<string, unknown> } | undefined>;
  /** Asks the task to stop (cooperative; the status may stay non-terminal for a while). */
  cancel(taskId: string, caller: TaskCaller): Promise<void>;
  /** Delivers responses to outstanding `inputRequests` (unknown keys are ignored). */
  update(taskId: string, inputResponses: Record<string, unknown>, caller: TaskCaller): Promise<void>;
}

/**
 * Whether this request declared the Tasks extension in its per-request client capabilities
 * (`_meta["io.modelcontextprotocol/clientCapabilities"].extensions`, 2026-07-28). A server
 * never answers with a task to a request that did not.
 *
 * @example
 * ```ts
 * if (declaresTasks(ctx)) return { resultType: 'task', taskId, ...state };
 * ```
 */
export function declaresTasks(ctx: ServerContext): boolean {
  return envelopeDeclaresTasks(ctx.mcpReq.envelope);
}

/**
 * The same question asked of a request's 2026-07-28 `_meta` envelope directly (the fast path has no
 * SDK context): do its client capabilities declare the Tasks extension?
 *
 * @example
 * ```ts
 * if (envelopeDeclaresTasks(params._meta)) return false; // leave it to the SDK path
 * ```
 */
export function envelopeDeclaresTasks(envelope: unknown): boolean {
  if (typeof envelope !== 'object' || envelope === null) return false;
  const caps = (envelope as Record<string, unknown>)['io.modelcontextprotocol/clientCapabilities'];
  if (typeof caps !== 'object' || caps === null) return false;
  const extensions = (caps as Record<string, unknown>)['extensions'];
  return typeof extensions === 'object' && extensions !== null && TASKS_EXTENSION in extensions;
}

const TaskIdParams = z.object({ taskId: z.string().min(1).max(512) });
const InputResponses = z.record(z.string(), z.unknown());

/** What {@link attachTasks} needs from the server. */
export interface AttachTasksOptions {
  backend: TaskBackend;
  authorizer: Authorizer;
  /** The `server` of policy input. */
  serverId: string;
  /** Token delegation for the caller (cancelling a workflow needs the caller's credential). */
  delegate(subjectToken: string, audience: string): Promise<string>;
  /** Request id for the policy's context. */
  requestId(): string;
}

/**
 * Serves `tasks/get`, `tasks/update` and `tasks/cancel` (SEP-2663) on `mcp` and advertises the
 * extension. Each call needs the extension in the request's client capabilities (else `-32021`)
 * and is decided by the policy (tools `tasks/get` = read, `tasks/update`/`tasks/cancel` = write,
 * with the backend's `resource`); an unknown task and one the caller may not see get the same
 * answer (`-32602`, task not found), so task ids cannot be probed.
 *
 * @example
 * ```ts
 * attachTasks(server, { backend, authorizer, serverId: 'network', delegate, requestId: () => id });
 * ```
 */
export function attachTasks(mcp: McpServer, options: AttachTasksOptions): void {
  const { backend, authorizer, serverId } = options;
  const notFound = () => new ProtocolError(ProtocolErrorCode.InvalidParams, 'Failed to retrieve task: Task not found');

  const authorized = async (ctx: ServerContext, method: 'tasks/get' | 'tasks/update' | 'tasks/cancel', taskId: string) => {
    if (!declaresTasks(ctx)) throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    const authInfo = ctx.http?.authInfo;
    const principal = principalFromAuthInfo(authInfo);
    const found = await backend.get(taskId);
    if (found === undefined) throw notFound();
    const input = policyInputFor({
      subject: principal,
      server: serverId,
      tool: method,
      action: method === 'tasks/get' ? 'read' : 'write',
      arguments: { task_id: taskId },
      resource: found.resource,
      requestId: options.requestId(),
    });
    const decision = await authorizer.decide(input);
    if (!decision.allow) throw notFound();
    const caller: TaskCaller = { principal, delegate: (audience) => options.delegate(authInfo?.token ?? '', audience) };
    return { task: found.task, caller };
  };

  mcp.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } } as Parameters<typeof mcp.server.registerCapabilities>[0]);
  mcp.server.setRequestHandler('tasks/get', { params: TaskIdParams }, async ({ taskId }, ctx) => {
    const { task } = await authorized(ctx, 'tasks/get', taskId);
    return { taskId, ...task };
  });
  mcp.server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async ({ taskId }, ctx) => {
    const { caller } = await authorized(ctx, 'tasks/cancel', taskId);
    await backend.cancel(taskId, caller);
    return {};
  });
  mcp.server.setRequestHandler('tasks/update', { params: TaskIdParams }, async ({ taskId }, ctx) => {
    // The SDK lifts `inputResponses` (multi round-trip material) off the params into the context.
    const inputResponses = InputResponses.safeParse(ctx.mcpReq.inputResponses);
    if (!inputResponses.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid params for tasks/update: inputResponses must be an object');
    const { caller } = await authorized(ctx, 'tasks/update', taskId);
    await backend.update(taskId, inputResponses.data, caller);
    return {};
  });
}
