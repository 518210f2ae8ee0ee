import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  SERVER_INFO_META_KEY,
  classifyInboundRequest,
  isJSONRPCRequest,
  isJsonContentType,
  type AuthInfo,
  type CallToolResult,
} from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import { currentRequestContext, type Logger } from '../logging/index.ts';
import type { ToolCatalog } from './tool-catalog.ts';
import type { AnyToolDefinition } from './tool.ts';
import type { ToolRunner } from './tool-runner.ts';

/** The one modern revision and the one 2025-era revision the fast path answers; any other goes to the SDK. */
export const FAST_PATH_MODERN_VERSION = '2026-07-28';
export const FAST_PATH_LEGACY_VERSION = '2025-11-25';

const ENVELOPE_KEYS = new Set([PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY]);
const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' };

/** `modern` = 2026-07-28 (JSON answer, result envelope fields); `legacy` = 2025-11-25 (an SSE answer). */
export type FastPathEra = 'modern' | 'legacy';
type JsonRpcId = string | number;

/**
 * A request the fast path recognised: one the SDK would route straight to its `tools/list` or
 * `tools/call` handler (shape, headers and envelope already checked as the SDK checks them).
 */
export type FastRequest =
  | { era: FastPathEra; id: JsonRpcId; method: 'tools/list'; envelope: Record<string, unknown> | undefined }
  | { era: FastPathEra; id: JsonRpcId; method: 'tools/call'; name: string; args: Record<string, unknown> | undefined; envelope: Record<string, unknown> | undefined };
/** A recognised `tools/call`. */
export type FastCall = Extract<FastRequest, { method: 'tools/call' }>;

/**
 * What answers the fast path's requests: the spine's {@link ToolRunner} ({@link toolRunnerHandlers}),
 * or a factory surface's own (the MCP gateway). Each must answer exactly as its SDK path does.
 */
export interface FastPathHandlers {
  /** Whether the fast path serves this request; `false` leaves it to the SDK path (e.g. a task tool). Default: all. */
  takes?(r: FastRequest): boolean;
  /** The JSON-RPC `result` of `tools/list` in the request's era, as the SDK path encodes it (envelope fields included). */
  listTools(r: Extract<FastRequest, { method: 'tools/list' }>, authInfo: AuthInfo): Promise<Record<string, unknown>>;
  /**
   * What the SDK path's `tools/call` handler returns (before the era's encoding). A thrown error with a
   * JSON-RPC `code` (`ProtocolError`) is answered as the SDK answers it; any other is logged and
   * answered `-32603 Internal server error`.
   */
  callTool(r: FastCall, authInfo: AuthInfo | undefined, signal: AbortSignal): Promise<CallToolResult>;
}

/** Options of {@link createFastPath}. */
export interface FastPathOptions {
  handlers: FastPathHandlers;
  serverInfo: { name: string; version: string };
  logger: Logger;
  /**
   * The HTTP answer when the policy asked for a stronger authentication (RFC 9470), as on the SDK
   * path: the call's result is replaced by this `401`.
   */
  stepUpAnswer: (demand: { acrValues: string[]; maxAgeSeconds?: number }) => { status: number; headers: Record<string, string>; body: string };
}

/** Serves a request when it is one the fast path answers exactly as the SDK would; `false` = not taken, call the SDK. */
export type FastPath = (req: Request & { auth?: AuthInfo }, res: Response) => boolean;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};
const onlyKeys = (o: Record<string, unknown>, allowed: readonly string[]) => Object.keys(o).every((k) => allowed.includes(k));

/**
 * The SDK's 2026-07-28 encoding of a `tools/call` result: `resultType` stamped when absent, the
 * server's `serverInfo` added to a `_meta` that does not carry one (the SDK's `encodeResult`).
 */
function encodeModernCallResult(result: Record<string, unknown>, serverInfo: { name: string; version: string }): Record<string, unknown> {
  const typed = result['resultType'] === undefined ? { ...result, resultType: 'complete' } : result;
  const meta = typed['_meta'];
  if (meta === undefined) return { ...typed, _meta: { [SERVER_INFO_META_KEY]: serverInfo } };
  if (!isPlainObject(meta) || meta[SERVER_INFO_META_KEY] !== undefined) return typed;
  return { ...typed, _meta: { ...meta, [SERVER_INFO_META_KEY]: serverInfo } };
}

/** A handler's thrown error as the SDK answers it: its own JSON-RPC code (-32002 read as -32602), message and data. */
function protocolErrorOf(error: unknown): { code: number; message: string; data?: unknown } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof code !== 'number' || !Number.isSafeInteger(code)) return undefined;
  return { code: code === -32002 ? -32602 : code, message: typeof message === 'string' ? message : 'Internal error', ...(data !== undefined ? { data } : {}) };
}

/**
 * The spine's fast path for `tools/call` and `tools/list`: answers the
 * requests the SDK would route straight to its tool handlers — one JSON-RPC
 * request, `2026-07-28` with a valid envelope and matching standard headers,
 * or `2025-11-25` without one — through `handlers` (what was built once per
 * process), without constructing an SDK server. Everything else (batches,
 * notifications, other methods and revisions, cursors, task-augmented calls,
 * header mismatches, what `handlers.takes` declines) returns `false` and
 * takes the SDK path. Authentication, limits and request context ran before;
 * policy, binding, audit and metrics run in the handlers, as on the SDK path.
 *
 * @example
 * ```ts
 * const fast = createFastPath({ handlers: toolRunnerHandlers({ runner, catalog }), serverInfo, logger, stepUpAnswer });
 * app.post('/mcp', (req, res) => fast(req, res) || void sdkHandler(req, res, req.body));
 * ```
 */
export function createFastPath(opts: FastPathOptions): FastPath {
  const route = (req: Request): FastRequest | undefined => {
    if (req.method !== 'POST' || !isJsonContentType(header(req, 'content-type') ?? null)) return undefined;
    const accept = header(req, 'accept');
    if (accept === undefined || !accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    const body: unknown = req.body;
    if (!isPlainObject(body) || (body['method'] !== 'tools/call' && body['method'] !== 'tools/list')) return undefined;
    const method = body['method'];
    const version = header(req, 'mcp-protocol-version');
    const mcpMethod = header(req, 'mcp-method');
    const mcpName = header(req, 'mcp-name');
    const id = body['id'];
    if (typeof id !== 'string' && typeof id !== 'number') return undefined;
    const params = body['params'] === undefined ? {} : body['params'];
    if (!isPlainObject(params)) return undefined;
    let era: FastPathEra;
    let envelope: Record<string, unknown> | undefined;
    if (version === FAST_PATH_LEGACY_VERSION && params['_meta'] === undefined && !('result' in body) && !('error' in body)) {
      // classifyInboundRequest's answer for this body without its two response-schema parses (~3 % of
      // a call's CPU): neither `result` nor `error` (each response schema requires its own), no
      // envelope and a 2025 header — `legacy`/`no-claim` exactly when the body is a JSON-RPC request.
      if (!isJSONRPCRequest(body)) return undefined;
      era = 'legacy';
    } else {
      const outcome = classifyInboundRequest({
        httpMethod: 'POST',
        body,
        ...(version !== undefined ? { protocolVersionHeader: version } : {}),
        ...(mcpMethod !== undefined ? { mcpMethodHeader: mcpMethod } : {}),
        ...(mcpName !== undefined ? { mcpNameHeader: mcpName } : {}),
      });
      if (outcome.kind === 'modern' && outcome.messageKind === 'request') {
        const meta = params['_meta'];
        if (version !== FAST_PATH_MODERN_VERSION || outcome.classification.revision !== version || mcpMethod !== method) return undefined;
        if (!isPlainObject(meta) || !Object.keys(meta).every((k) => ENVELOPE_KEYS.has(k))) return undefined;
        era = 'modern';
        envelope = meta;
      } else if (outcome.kind === 'legacy' && outcome.reason === 'no-claim') {
        if (version !== FAST_PATH_LEGACY_VERSION || params['_meta'] !== undefined) return undefined;
        era = 'legacy';
      } else {
        return undefined;
      }
    }
    if (method === 'tools/list') return onlyKeys(params, ['_meta']) ? { era, id, method, envelope } : undefined;
    const name = params['name'];
    const args = params['arguments'];
    if (typeof name !== 'string' || !onlyKeys(params, ['name', 'arguments', '_meta'])) return undefined;
    if (args !== undefined && !isPlainObject(args)) return undefined;
    if (era === 'modern' && mcpName !== name) return undefined;
    return { era, id, method, name, args, envelope };
  };

  const send = (res: Response, era: FastPathEra, message: Record<string, unknown>) => {
    const json = JSON.stringify(message);
    if (era === 'modern') {
      res.status(200).setHeader('Content-Type', 'application/json');
      res.end(json);
    } else {
      res.writeHead(200, SSE_HEADERS);
      res.end(`event: message\ndata: ${json}\n\n`);
    }
  };

  return (req, res) => {
    const r = route(req);
    if (!r || (opts.handlers.takes !== undefined && !opts.handlers.takes(r))) return false;
    const client = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) client.abort();
    });
    void (async () => {
      try {
        if (r.method === 'tools/list') {
          if (!req.auth) throw new TypeError('the fast path runs behind authentication');
          send(res, r.era, { result: await opts.handlers.listTools(r, req.auth), jsonrpc: '2.0', id: r.id });
          return;
        }
        const result = await opts.handlers.callTool(r, req.auth, client.signal);
        const stepUp = currentRequestContext()?.stepUp;
        if (stepUp !== undefined) {
          const answer = opts.stepUpAnswer(stepUp);
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
          return;
        }
        const out: Record<string, unknown> = { ...result };
        send(res, r.era, { result: r.era === 'modern' ? encodeModernCallResult(out, opts.serverInfo) : out, jsonrpc: '2.0', id: r.id });
      } catch (error) {
        if (res.headersSent) return;
        const answered = protocolErrorOf(error);
        if (answered === undefined) opts.logger.error('fast path failed', { error });
        send(res, r.era, { jsonrpc: '2.0', id: r.id, error: answered ?? { code: -32603, message: 'Internal server error' } });
      }
    })();
    return true;
  };
}

/** Options of {@link toolRunnerHandlers}. */
export interface ToolRunnerHandlersOptions<D> {
  runner: ToolRunner<D>;
  catalog: ToolCatalog;
  /** Tools whose calls always take the SDK path (e.g. task-capable tools). Default: none. */
  sdkOnly?: (tool: AnyToolDefinition<D>) => boolean;
}

/** The SDK's rendering of a standard-schema issue list (`path.to.field: message, …`). */
function formatIssues(issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined }>): string {
  return issues
    .map((i) => (i.path?.length ? `${i.path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}: ${i.message}` : i.message))
    .join(', ');
}

const toolError = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

/**
 * The fast path's handlers of a server built from tool definitions: tools by name, their schemas'
 * own validators and the SDK-computed `tools/list` results of both eras (filtered per caller),
 * all built once per process; the call itself runs in the same {@link ToolRunner} as on the SDK path.
 *
 * @example
 * ```ts
 * const handlers = toolRunnerHandlers({ runner, catalog, sdkOnly: (tool) => tool.task !== undefined });
 * ```
 */
export function toolRunnerHandlers<D>(opts: ToolRunnerHandlersOptions<D>): FastPathHandlers {
  const listsByMask = new Map<string, { modern: Record<string, unknown>; legacy: Record<string, unknown> }>();
  return {
    takes(r) {
      if (r.method !== 'tools/call' || opts.sdkOnly === undefined) return true;
      const tool = opts.runner.byName.get(r.name);
      return !(tool && opts.sdkOnly(tool));
    },
    async listTools(r, authInfo) {
      const [allowed, catalog] = await Promise.all([opts.runner.allowedToList(authInfo), opts.catalog.listings()]);
      const mask = allowed.map((a) => (a ? '1' : '0')).join('');
      let lists = listsByMask.get(mask);
      if (!lists) {
        const pick = (listing: { tools: unknown[] }) => ({ ...listing, tools: listing.tools.filter((_t, i) => allowed[i]) });
        lists = { modern: pick(catalog.modern), legacy: pick(catalog.legacy) };
        listsByMask.set(mask, lists);
      }
      // The SDK's modern listing already carries its envelope fields; the legacy one is just `{ tools }`.
      return r.era === 'modern' ? lists.modern : lists.legacy;
    },
    async callTool(r, authInfo, signal) {
      const tool = opts.runner.byName.get(r.name);
      if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${r.name} not found`);
      const checked = await tool.input['~standard'].validate(r.args ?? {});
      if (checked.issues) return toolError(`Input validation error: Invalid arguments for tool ${r.name}: ${formatIssues(checked.issues)}`);
      let result: CallToolResult;
      try {
        // No progress token reaches the fast path (it takes only envelope keys in `_meta`), so `progress()` is a no-op here as on the SDK path.
        result = await opts.runner.call(tool, checked.value as Record<string, unknown>, { authInfo, signal, rpcId: r.id });
      } catch (err) {
        return toolError(err instanceof Error ? err.message : String(err));
      }
      if (result.isError) return result;
      if (result.structuredContent === undefined) return toolError(`Output validation error: Tool ${r.name} has an output schema but no structured content was provided`);
      const out = await tool.output['~standard'].validate(result.structuredContent);
      if (out.issues) return toolError(`Output validation error: Invalid structured content for tool ${r.name}: ${formatIssues(out.issues)}`);
      return result;
    },
  };
}
