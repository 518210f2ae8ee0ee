import { InsufficientScopeError, ProtocolError, SdkError, SdkErrorCode, SdkHttpError, UnauthorizedError, extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { STATUS_CODES } from 'node:http';
import { createParser } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import { parseStepUpChallenge } from '../auth/auth-router.ts';
import { StepUpRequiredError } from '../authz/errors.ts';
import { currentRequestContext, traceparentOf } from '../logging/index.ts';
import { activeSpanIds } from '../telemetry/index.ts';
import { dispatchRequest, type BodySink, type HeaderOf } from '../resilience/dispatch.ts';

/** The protocol revision every hop speaks (stateless servers, `_meta` envelope per request). */
export const HOP_PROTOCOL_VERSION = '2026-07-28';

/** Largest answer read from a backend, in bytes (16 MiB): a backend cannot exhaust the caller's memory. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** What {@link sendJsonRpc} needs to reach one replica. */
export interface HopTarget {
  /** The replica's MCP endpoint URL. */
  url: URL;
  /** Keep-alive pool to the replica's origin (undici `Pool`, possibly composed with interceptors). */
  dispatcher: Dispatcher;
  clientName: string;
  version: string;
}

/** Methods whose `Mcp-Name` header mirrors a body field (the SDK transport's SEP-2243 table, for what the hop sends). */
const MCP_NAME_SOURCE: Readonly<Record<string, string>> = { 'tools/call': 'name', 'tasks/get': 'taskId', 'tasks/update': 'taskId', 'tasks/cancel': 'taskId' };

/** The SDK's header value encoding (SEP-2243): plain printable ASCII as is, anything else base64 in a sentinel. */
function encodeHeaderValue(s: string): string {
  let plain = s.length > 0 && s === s.trim() && !(s.startsWith('=?base64?') && s.endsWith('?='));
  for (let i = 0; plain && i < s.length; i++) {
    const c = s.charCodeAt(i);
    plain = c === 9 || (c >= 32 && c <= 126);
  }
  return plain ? s : `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

let ids = 0;

/**
 * Sends one JSON-RPC request to an MCP server the way the SDK's Streamable HTTP client does on
 * 2026-07-28 — the same headers (`Authorization`, `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`,
 * `Accept`, the caller's `traceparent` and `x-request-id`) and the same `_meta` envelope — but over
 * undici's `dispatch` on the replica's keep-alive pool ({@link dispatchRequest}) instead of WHATWG `fetch` and an SDK `Client`.
 * Returns the raw `result` of the answer (JSON or an SSE stream); a JSON-RPC error is a
 * `ProtocolError` built like the SDK builds it, and HTTP failures throw the SDK's own error classes
 * (`UnauthorizedError`, `InsufficientScopeError`, `SdkHttpError`, `SdkError`) so that the replica maps
 * both paths to the platform's errors with one function. A malformed answer is an `SdkError` naming
 * what was wrong.
 *
 * @example
 * ```ts
 * const raw = await sendJsonRpc(target, token, 'tools/call', { name: 'get_device', arguments: { device_id } }, {}, signal);
 * ```
 */
export async function sendJsonRpc(
  target: HopTarget,
  token: string,
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  const id = (ids = (ids + 1) % Number.MAX_SAFE_INTEGER);
  const meta = (params['_meta'] ?? {}) as Record<string, unknown>;
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': HOP_PROTOCOL_VERSION,
    'io.modelcontextprotocol/clientInfo': { name: target.clientName, version: target.version },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
  const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...meta, ...envelope } } });
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'mcp-protocol-version': HOP_PROTOCOL_VERSION,
    'mcp-method': method,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const nameField = MCP_NAME_SOURCE[method];
  const name = nameField === undefined ? undefined : params[nameField];
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  // One trace across the hop: the MCP server's log lines carry the caller request's trace id and request id.
  const ctx = currentRequestContext();
  if (ctx) {
    // With tracing on, the undici instrumentation injects the client span's traceparent itself.
    if (!activeSpanIds()) headers['traceparent'] = traceparentOf(ctx);
    headers['x-request-id'] = ctx.requestId;
  }

  type Answer = { kind: 'refused'; status: number; header: HeaderOf; text: string | null } | { kind: 'answer'; status: number; answer: JsonRpcAnswer | undefined };
  const got = await dispatchRequest<Answer>(target.dispatcher, { method: 'POST', url: target.url, headers, body }, signal, (status, header) => {
    if (status < 200 || status >= 300) {
      // The body of a refusal is read best effort: its status decides.
      return textSink<Answer>(MAX_ANSWER_BYTES, (text) => ({ kind: 'refused', status, header, text }), () => ({ kind: 'refused', status, header, text: null }), true);
    }
    const media = (header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (media === 'application/json') {
      return textSink<Answer>(
        MAX_ANSWER_BYTES,
        (text) => ({ kind: 'answer', status, answer: answerIn(parseMessages(text), id) }),
        () => {
          throw new SdkError(SdkErrorCode.InvalidResult, `Invalid answer: larger than ${String(MAX_ANSWER_BYTES)} bytes`);
        },
      );
    }
    if (media === 'text/event-stream') return sseSink<Answer>(id, (answer) => ({ kind: 'answer', status, answer }));
    throw new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${header('content-type') ?? 'none'}`, { contentType: header('content-type') });
  });
  if (got.kind === 'refused') {
    const { status, header, text } = got;
    if (status === 401) {
      // A 401 with the RFC 9470 step-up challenge is the policy asking the caller for a stronger
      // login: passed on (the front answers its caller with the same demand), never retried.
      const demand = parseStepUpChallenge(header('www-authenticate') ?? null);
      if (demand !== undefined) throw new StepUpRequiredError(demand, []);
      throw new UnauthorizedError();
    }
    if (status === 403) {
      const challenge = extractWWWAuthenticateParams(new Response(null, { headers: { 'www-authenticate': header('www-authenticate') ?? '' } }));
      if (challenge.error === 'insufficient_scope') {
        throw new InsufficientScopeError({
          ...(challenge.scope !== undefined ? { requiredScope: challenge.scope } : {}),
          ...(challenge.resourceMetadataUrl !== undefined ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {}),
          ...(challenge.errorDescription !== undefined ? { errorDescription: challenge.errorDescription } : {}),
        });
      }
    }
    if (status === 400 && typeof text === 'string') {
      const answer = answerIn(tryParseMessages(text), id);
      if (answer && 'error' in answer) throw protocolError(answer.error);
    }
    throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text ?? ''}`, { status, statusText: STATUS_CODES[status] ?? '', text: text ?? undefined });
  }
  const { answer, status } = got;
  if (answer === undefined) throw new SdkError(SdkErrorCode.InvalidResult, `Invalid answer to ${method}: no JSON-RPC response with id ${String(id)} (HTTP ${String(status)})`, { method });
  if ('error' in answer) throw protocolError(answer.error);
  return answer.result;
}

type JsonRpcAnswer = { id: unknown; result: unknown } | { id: unknown; error: { code: number; message: string; data?: unknown } };

const protocolError = (e: { code: number; message: string; data?: unknown }): ProtocolError => ProtocolError.fromError(e.code, e.message, e.data);

/**
 * A body read as UTF-8: `done(text)` once it ended, `tooLarge()` (which may throw) when it passes
 * `maxBytes`; with `bestEffort`, a failure while reading is answered by `tooLarge()` too (no text).
 */
function textSink<T>(maxBytes: number, done: (text: string) => T, tooLarge: () => T, bestEffort = false): BodySink<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  return {
    data(chunk) {
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        return true;
      }
      chunks.push(chunk);
      return false;
    },
    end: () => (over ? tooLarge() : done(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'))),
    ...(bestEffort ? { failed: () => tooLarge() } : {}),
  };
}

/** The JSON-RPC messages of a JSON body (one or a batch), each checked by {@link checkMessage}. */
function parseMessages(text: string): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SdkError(SdkErrorCode.InvalidResult, `Invalid answer: the body is not JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(data) ? data : [data];
  for (const m of list) checkMessage(m);
  return list;
}

const isId = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The JSON-RPC 2.0 envelope rules of the SDK's `JSONRPCMessageSchema`, checked by hand (its zod union
 * was the largest single cost of the hop's answer): a request or notification (`method` a string,
 * `params` an object when present), or a response — exactly `jsonrpc`, `id` and either `result` (an
 * object, checked later by the method's own schema) or `error` (`code` an integer, `message` a
 * string). Anything else is an `SdkError` naming the rule.
 */
function checkMessage(m: unknown): void {
  const bad = (why: string): never => {
    throw new SdkError(SdkErrorCode.InvalidResult, `Invalid answer: not a JSON-RPC 2.0 message (${why})`);
  };
  if (!isPlain(m)) return bad('not an object');
  if (m['jsonrpc'] !== '2.0') return bad('jsonrpc is not "2.0"');
  if (typeof m['method'] === 'string') {
    if ('id' in m && !isId(m['id'])) bad('id is not a string or an integer');
    if (m['params'] !== undefined && !isPlain(m['params'])) bad('params is not an object');
    return;
  }
  if (!isId(m['id'])) return bad('id is not a string or an integer');
  const keys = Object.keys(m);
  if ('result' in m) {
    if (keys.length !== 3) bad('a response has exactly jsonrpc, id and result');
    if (!isPlain(m['result'])) bad('result is not an object');
    return;
  }
  if ('error' in m) {
    if (keys.length !== 3) bad('an error response has exactly jsonrpc, id and error');
    const e = m['error'];
    if (!isPlain(e) || typeof e['code'] !== 'number' || !Number.isInteger(e['code']) || typeof e['message'] !== 'string') bad('error needs an integer code and a string message');
    return;
  }
  bad('neither a request, a notification nor a response');
}

function tryParseMessages(text: string): unknown[] {
  try {
    return parseMessages(text);
  } catch {
    return [];
  }
}

/** The response to request `id` among `messages` (notifications and other ids are ignored, as the SDK ignores them here). */
function answerIn(messages: readonly unknown[], id: number): JsonRpcAnswer | undefined {
  for (const m of messages) {
    if (m === null || typeof m !== 'object' || (m as { id?: unknown }).id !== id) continue;
    if ('result' in m || 'error' in m) return m as JsonRpcAnswer;
  }
  return undefined;
}

/**
 * Reads an SSE answer until the response to `id` arrives (progress and other notifications before it
 * are skipped; an event that is not a JSON-RPC message is skipped, as the SDK transport skips it), then
 * stops reading. The stream ending without the response gives `undefined` (an error for the caller).
 */
function sseSink<T>(id: number, done: (answer: JsonRpcAnswer | undefined) => T): BodySink<T> {
  let found: JsonRpcAnswer | undefined;
  let size = 0;
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event) {
      if (found !== undefined || !event.data || (event.event !== undefined && event.event !== 'message')) return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
        checkMessage(message);
      } catch {
        return;
      }
      found = answerIn([message], id);
    },
  });
  return {
    data(chunk) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) throw new SdkError(SdkErrorCode.InvalidResult, `Invalid answer: event stream larger than ${String(MAX_ANSWER_BYTES)} bytes without a response`);
      parser.feed(decoder.decode(chunk, { stream: true }));
      return found !== undefined;
    },
    end: () => done(found),
  };
}
