import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  classifyInboundRequest,
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

type Era = 'modern' | 'legacy';
type JsonRpcId = string | number;
type Route<D> =
  | { era: Era; id: JsonRpcId; method: 'tools/list' }
  | { era: Era; id: JsonRpcId; method: 'tools/call'; name: string; tool: AnyToolDefinition<D> | undefined; args: unknown };

/** Options of {@link createFastPath}. */
export interface FastPathOptions<D> {
  runner: ToolRunner<D>;
  catalog: ToolCatalog;
  serverInfo: { name: string; version: string };
  logger: Logger;
  /** Tools whose calls always take the SDK path (e.g. task-capable tools). Default: none. */
  sdkOnly?: (tool: AnyToolDefinition<D>) => boolean;
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

/** The SDK's rendering of a standard-schema issue list (`path.to.field: message, …`). */
function formatIssues(issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined }>): string {
  return issues
    .map((i) => (i.path?.length ? `${i.path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}: ${i.message}` : i.message))
    .join(', ');
}

const toolError = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

/**
 * The spine's fast path for `tools/call` and `tools/list`: answers the
 * requests the SDK would route straight to its tool handlers — one JSON-RPC
 * request, `2026-07-28` with a valid envelope and matching standard headers,
 * or `2025-11-25` without one — from what was built once per process (tools
 * by name, the SDK-derived tool listings, the schemas' own validators),
 * without constructing an SDK server. Everything else (batches,
 * notifications, other methods and revisions, cursors, task-augmented calls,
 * header mismatches) returns `false` and takes the SDK path. Authentication,
 * limits and request context ran before; policy, binding, audit and metrics
 * run in the shared {@link ToolRunner}, as on the SDK path.
 *
 * @example
 * ```ts
 * const fast = createFastPath({ runner, catalog, serverInfo, logger });
 * app.post('/mcp', (req, res) => fast(req, res) || void sdkHandler(req, res, req.body));
 * ```
 */
export function createFastPath<D>(opts: FastPathOptions<D>): FastPath {
  const listsByMask = new Map<string, { modern: Record<string, unknown>; legacy: Record<string, unknown> }>();

  const route = (req: Request): Route<D> | undefined => {
    if (req.method !== 'POST' || !isJsonContentType(header(req, 'content-type') ?? null)) return undefined;
    const accept = header(req, 'accept');
    if (accept === undefined || !accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    const body: unknown = req.body;
    if (!isPlainObject(body) || (body['method'] !== 'tools/call' && body['method'] !== 'tools/list')) return undefined;
    const method = body['method'];
    const version = header(req, 'mcp-protocol-version');
    const mcpMethod = header(req, 'mcp-method');
    const mcpName = header(req, 'mcp-name');
    const outcome = classifyInboundRequest({
      httpMethod: 'POST',
      body,
      ...(version !== undefined ? { protocolVersionHeader: version } : {}),
      ...(mcpMethod !== undefined ? { mcpMethodHeader: mcpMethod } : {}),
      ...(mcpName !== undefined ? { mcpNameHeader: mcpName } : {}),
    });
    const id = body['id'];
    if (typeof id !== 'string' && typeof id !== 'number') return undefined;
    const params = body['params'] === undefined ? {} : body['params'];
    if (!isPlainObject(params)) return undefined;
    let era: Era;
    if (outcome.kind === 'modern' && outcome.messageKind === 'request') {
      const meta = params['_meta'];
      if (version !== FAST_PATH_MODERN_VERSION || outcome.classification.revision !== version || mcpMethod !== method) return undefined;
      if (!isPlainObject(meta) || !Object.keys(meta).every((k) => ENVELOPE_KEYS.has(k))) return undefined;
      era = 'modern';
    } else if (outcome.kind === 'legacy' && outcome.reason === 'no-claim') {
      if (version !== FAST_PATH_LEGACY_VERSION || params['_meta'] !== undefined) return undefined;
      era = 'legacy';
    } else {
      return undefined;
    }
    if (method === 'tools/list') return onlyKeys(params, ['_meta']) ? { era, id, method } : undefined;
    const name = params['name'];
    const args = params['arguments'];
    if (typeof name !== 'string' || !onlyKeys(params, ['name', 'arguments', '_meta'])) return undefined;
    if (args !== undefined && !isPlainObject(args)) return undefined;
    if (era === 'modern' && mcpName !== name) return undefined;
    const tool = opts.runner.byName.get(name);
    if (tool && opts.sdkOnly?.(tool)) return undefined;
    return { era, id, method, name, tool, args };
  };

  const send = (res: Response, era: Era, message: Record<string, unknown>) => {
    const json = JSON.stringify(message);
    if (era === 'modern') {
      res.status(200).setHeader('Content-Type', 'application/json');
      res.end(json);
    } else {
      res.writeHead(200, SSE_HEADERS);
      res.end(`event: message\ndata: ${json}\n\n`);
    }
  };
  const sendResult = (res: Response, r: { era: Era; id: JsonRpcId }, result: Record<string, unknown>) => {
    const out =
      r.era === 'modern'
        ? { ...result, resultType: 'complete', _meta: { ...(isPlainObject(result['_meta']) ? result['_meta'] : {}), [SERVER_INFO_META_KEY]: opts.serverInfo } }
        : result;
    send(res, r.era, { result: out, jsonrpc: '2.0', id: r.id });
  };
  const sendError = (res: Response, r: { era: Era; id: JsonRpcId }, code: number, message: string) =>
    send(res, r.era, { jsonrpc: '2.0', id: r.id, error: { code, message } });

  const callTool = async (r: Extract<Route<D>, { method: 'tools/call' }>, tool: AnyToolDefinition<D>, authInfo: AuthInfo | undefined, signal: AbortSignal): Promise<CallToolResult> => {
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
  };

  const listTools = async (r: Route<D>, authInfo: AuthInfo): Promise<Record<string, unknown>> => {
    const [allowed, catalog] = await Promise.all([opts.runner.allowedToList(authInfo), opts.catalog.listings()]);
    const mask = allowed.map((a) => (a ? '1' : '0')).join('');
    let lists = listsByMask.get(mask);
    if (!lists) {
      const pick = (listing: { tools: unknown[] }) => ({ ...listing, tools: listing.tools.filter((_t, i) => allowed[i]) });
      lists = { modern: pick(catalog.modern), legacy: pick(catalog.legacy) };
      listsByMask.set(mask, lists);
    }
    return r.era === 'modern' ? lists.modern : lists.legacy;
  };

  return (req, res) => {
    const r = route(req);
    if (!r) return false;
    const client = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) client.abort();
    });
    void (async () => {
      try {
        if (r.method === 'tools/list') {
          if (!req.auth) throw new TypeError('the fast path runs behind authentication');
          const listing = await listTools(r, req.auth);
          // The SDK's modern listing already carries its envelope fields; the legacy one is just `{ tools }`.
          send(res, r.era, { result: listing, jsonrpc: '2.0', id: r.id });
          return;
        }
        if (!r.tool) {
          sendError(res, r, -32602, `Tool ${r.name} not found`);
          return;
        }
        const result = await callTool(r, r.tool, req.auth, client.signal);
        const stepUp = currentRequestContext()?.stepUp;
        if (stepUp !== undefined) {
          const answer = opts.stepUpAnswer(stepUp);
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
          return;
        }
        sendResult(res, r, { ...result });
      } catch (error) {
        opts.logger.error('fast path failed', { error });
        if (!res.headersSent) sendError(res, r, -32603, 'Internal server error');
      }
    })();
    return true;
  };
}
