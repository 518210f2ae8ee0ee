import type { z } from 'zod';
import type { ToolAction } from '../authz/index.ts';
import type { Principal } from '../auth/index.ts';
import type { ArgumentLimits } from '../input/index.ts';
import type { Logger } from '../logging/index.ts';

/** MCP tool annotations (hints for clients; never trusted for security). */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint?: boolean;
}

/** What a tool handler gets besides its validated arguments. */
export interface ToolContext<D> {
  /** The authenticated caller (from the verified token, never from raw headers). */
  principal: Principal;
  /** A logger bound to this call (`trace.id`, `user.id`, `mcp.tool`). */
  logger: Logger;
  /** The server's domain dependencies (upstream clients whose credentials come from the secret provider). */
  deps: D;
  /** Aborted when the call's deadline passes or the client goes away. */
  signal: AbortSignal;
  /** Epoch milliseconds after which the call is abandoned. */
  deadline: number;
  /** The request id (also `http.request.id` in logs). */
  requestId: string;
  /**
   * A fresh access token for another service (`audience`) on behalf of the caller, obtained through
   * the server's {@link TokenDelegation} (RFC 8693 token exchange); the caller's own token never
   * leaves this server. Rejects with `PlatformError` `ERR_VALIDATION` when the server has no delegation.
   */
  delegate(audience: string): Promise<string>;
  /**
   * Reports progress (`notifications/progress`) to a caller that asked for it with a `progressToken`
   * in the request's `_meta`; does nothing otherwise. `progress` must grow from call to call.
   */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * True when this call will be answered with a task (the tool declares `task`, the server has a
   * task backend and the caller declared the Tasks extension): the work may then ask the caller
   * for input later (`input_required`, answered through `tasks/update`).
   */
  asTask: boolean;
}

/**
 * Trades the caller's token for a token to another service (RFC 8693 token exchange at the IdP).
 *
 * @example
 * ```ts
 * const delegation: TokenDelegation = { exchange: (subjectToken, audience) => exchanger.exchange(subjectToken, audience) };
 * ```
 */
export interface TokenDelegation {
  exchange(subjectToken: string, audience: string): Promise<string>;
}

/**
 * One MCP tool: schema, annotations, the policy `action` it needs, and its handler.
 * Business failures are thrown as `PlatformError`s and become `isError` results;
 * the wrapper never lets a handler run before the policy allowed the call.
 */
export interface ToolDefinition<D, I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject, R extends Record<string, unknown> = Record<string, unknown>> {
  /** snake_case name. */
  name: string;
  title: string;
  /** Written for a model: what it does, when to use it, what it returns. */
  description: string;
  /** The policy action this tool needs: `read`, `write` or `execute`. */
  action: ToolAction;
  annotations: ToolAnnotations;
  input: I;
  output: O;
  /**
   * Hostile-input bounds checked on the arguments before anything else (policy included): valid
   * Unicode, no whitespace-only strings, at most 1000 items per array, strings of at most 65536
   * characters, nesting of at most 32 levels. A tool raises a bound or lets a field be whitespace
   * only (file content) here. Default: `DEFAULT_ARGUMENT_LIMITS` of `@mcp-platform/mcp-common/input`.
   */
  inputLimits?: ArgumentLimits;
  /**
   * Fair-share weight of one call, in ordinary requests (default 1): a call of weight `n` takes `n`
   * tokens from the caller's rate bucket and `n` of its in-flight allowance, before it runs. Give
   * expensive calls their real weight (e.g. `list_devices {limit: 500}`), so one caller's heavy calls
   * cannot fill the event loop. Runs on the **unvalidated** arguments: it must accept anything.
   */
  cost?: (args: Readonly<Record<string, unknown>>) => number;
  /**
   * Policy information point: attributes of the targeted resources the policy
   * needs (e.g. the roles of the devices a deployment targets). Runs only after
   * the caller passed the argument-independent check, and only reads.
   */
  resolveResource?: (args: z.output<I>, ctx: ToolContext<D>) => Promise<R>;
  /**
   * Binds the decision to the write. The keys of the upstream resources whose state the
   * policy decides on (stable identities such as `incident:<sys_id>`, never a mutable name).
   * The wrapper holds a per-resource lock on them (shared through Redis when `REDIS_URL` is
   * set) from `resolveResource` through the end of `handler`, so no other call through the
   * platform changes the resource between the decision and the write. The handler writes the
   * resource `resolveResource` returned (third argument) and, where the upstream exposes a
   * version (GitHub blob/ref SHA, ServiceNow `sys_mod_count`), writes only if it is unchanged.
   * Required for every `write` tool that has a `resolveResource` (optional for `execute`).
   * A create without `resolveResource` may declare its idempotency key here (`idempotencyKeys().lockKey`):
   * the lock then spans the policy decision's write — look up by key, insert only when absent — so two
   * concurrent identical creates cannot both insert.
   */
  lockKeys?: (args: z.output<I>, ctx: ToolContext<D>) => Promise<string[]> | string[];
  /** Does the work. `resource` is what `resolveResource` returned (the state the policy saw), or `{}`. */
  handler: (args: z.output<I>, ctx: ToolContext<D>, resource: R) => Promise<z.output<O>>;
  /**
   * Durable work: the id of the task (in the server's task backend) that carries on the work the
   * handler started. When the caller declared the Tasks extension (2026-07-28), the call is answered
   * with that task (`resultType: "task"`) instead of the result; other callers get the result.
   * `undefined`: this call's work finished (or runs elsewhere) — answered with the result, no task.
   */
  task?: (output: z.output<O>) => string | undefined;
  /** Short text rendering of the result for clients without structured output. Default: compact JSON. */
  render?: (output: z.output<O>) => string;
}

/**
 * Declares a tool with its types inferred from the schemas.
 *
 * @example
 * ```ts
 * export const listSites = defineTool<NetworkDeps>()({
 *   name: 'list_sites', title: 'List sites', description: '…', action: 'read',
 *   annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
 *   input: z.object({}), output: z.object({ sites: z.array(Site) }),
 *   handler: async (_args, { deps }) => ({ sites: await deps.catalyst.listSites() }),
 * });
 * ```
 */
export function defineTool<D>() {
  return <I extends z.ZodObject, O extends z.ZodObject, R extends Record<string, unknown> = Record<string, unknown>>(def: ToolDefinition<D, I, O, R>): ToolDefinition<D, I, O, R> =>
    def;
}

/** A tool of any schema, as a server lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of tools needs an existential schema type
export type AnyToolDefinition<D> = ToolDefinition<D, any, any, any>;
