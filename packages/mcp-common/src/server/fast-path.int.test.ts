import type { AuthInfo, OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger, startAll } from '@mcp-platform/test-support';
import type { Authorizer, Decision, PolicyInput } from '../authz/index.ts';
import { PlatformError } from '../errors/index.ts';
import { createRequestLimits } from '../limits/index.ts';
import { createMetrics, type PlatformMetrics } from '../metrics/index.ts';
import type { RunningServer } from './listen.ts';
import { serveMcpApp } from './serve.fixture.ts';
import { TASKS_EXTENSION, type TaskBackend, type TaskState } from './tasks.ts';
import { defineTool, type TokenDelegation } from './tool.ts';

// The differential test of the fast path: the same corpus of raw HTTP requests goes to an app
// with the fast path and to one without it (every request through the SDK); the answers must be
// the same (status, media type, caching, JSON-RPC payload), and so must the policy inputs and the
// audit trail. Both apps share nothing but the tool definitions. The corpus covers the per-call
// extras too: token delegation (served on the fast path), progress notifications and tasks
// (SEP-2663: task tools, tasks/*), which must fall through to the SDK path and answer the same there.

interface Deps {
  calls: string[];
  /** The side's task store (its TaskBackend reads it). */
  tasks: Map<string, { owner: string; task: TaskState }>;
  /** Audiences the side's token delegation was asked for. */
  exchanges: string[];
}
const TASK_TIME = '2026-12-03T05:00:00.000Z';
const USERS: Record<string, { id: string; groups: string[] }> = {
  'token-reader': { id: 'rita', groups: ['readers'] },
  'token-writer': { id: 'walt', groups: ['writers'] },
};
const verifier: OAuthTokenVerifier = {
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const user = USERS[token];
    if (!user) throw new OAuthError(OAuthErrorCode.InvalidToken, 'invalid token');
    return {
      token,
      clientId: 'test-client',
      scopes: ['mcp:tools'],
      expiresAt: Math.floor(Date.now() / 1000) + 600,
      extra: { principal: { id: user.id, groups: user.groups, scopes: ['mcp:tools'], clientId: 'test-client' } },
    };
  },
};

function policy(seen: PolicyInput[]): Authorizer {
  return {
    async decide(input: PolicyInput): Promise<Decision> {
      seen.push(input);
      if (input.tool.startsWith('tasks/')) return input.resource?.['owner'] === input.subject.id ? { allow: true, reasons: ['own task'] } : { allow: false, reasons: ['not your task'] };
      if (input.tool === 'elevate') return { allow: false, reasons: ['step-up authentication required'], stepUp: { acrValues: ['mfa'], maxAgeSeconds: 900 } };
      if (input.action === 'read' || input.subject.groups.includes('writers')) return { allow: true, reasons: ['ok'] };
      return { allow: false, reasons: ['readers may not write'] };
    },
    ready: async () => true,
    close: async () => {},
  };
}

const tools = [
  defineTool<Deps>()({
    name: 'echo',
    title: 'Echo',
    description: 'Echoes the text.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ text: z.string().max(20).describe('Text to echo'), times: z.number().int().min(1).default(1).describe('Repeats') }),
    output: z.object({ text: z.string(), caller: z.string() }),
    handler: async (args, ctx) => {
      ctx.deps.calls.push('echo');
      return { text: args.text.repeat(args.times), caller: ctx.principal.id };
    },
    render: (o) => `${o.caller} said ${o.text}`,
  }),
  defineTool<Deps>()({
    name: 'change',
    title: 'Change',
    description: 'Changes targets upstream.',
    action: 'write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    input: z.object({ targets: z.array(z.string()).min(1).describe('Targets') }),
    output: z.object({ changed: z.number() }),
    lockKeys: (args) => args.targets.map((t) => `target:${t}`),
    resolveResource: async (args) => ({ targets: args.targets }),
    handler: async (args, ctx) => {
      ctx.deps.calls.push('change');
      return { changed: args.targets.length };
    },
  }),
  defineTool<Deps>()({
    name: 'elevate',
    title: 'Elevate',
    description: 'Needs a recent multi-factor sign-in.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({}),
    output: z.object({ ok: z.boolean() }),
    handler: async (_args, ctx) => {
      ctx.deps.calls.push('elevate');
      return { ok: true };
    },
  }),
  defineTool<Deps>()({
    name: 'fail',
    title: 'Fail',
    description: 'Fails.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ kind: z.enum(['business', 'bug', 'bad-output']).describe('How') }),
    output: z.object({ ok: z.boolean() }),
    handler: async (args) => {
      if (args.kind === 'business') throw new PlatformError('ERR_VALIDATION', 'kind: not today');
      if (args.kind === 'bad-output') return { ok: 'yes' } as unknown as { ok: boolean };
      throw new Error('secret internal detail');
    },
  }),
  defineTool<Deps>()({
    name: 'start_job',
    title: 'Start a job',
    description: 'Starts durable work, answered as a task to callers that declare the Tasks extension.',
    action: 'execute',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    input: z.object({ name: z.string().min(1).describe('Job name') }),
    output: z.object({ jobId: z.string() }),
    handler: async (args, ctx) => {
      ctx.deps.calls.push(`start_job ${args.name} asTask=${String(ctx.asTask)}`);
      const jobId = `job-${args.name}`;
      ctx.deps.tasks.set(jobId, { owner: ctx.principal.id, task: { status: 'working', statusMessage: 'started', createdAt: TASK_TIME, lastUpdatedAt: TASK_TIME, ttlMs: null, pollIntervalMs: 1000 } });
      return { jobId };
    },
    task: (out) => out.jobId,
  }),
  defineTool<Deps>()({
    name: 'count',
    title: 'Count',
    description: 'Counts to a number, reporting progress on the way.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ to: z.number().int().min(1).max(5).describe('Last number') }),
    output: z.object({ counted: z.number() }),
    handler: async (args, ctx) => {
      ctx.deps.calls.push('count');
      for (let i = 1; i <= args.to; i++) await ctx.progress(i, args.to, `counted ${i}`);
      return { counted: args.to };
    },
  }),
  defineTool<Deps>()({
    name: 'forward',
    title: 'Forward',
    description: 'Obtains a token for another service on behalf of the caller.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ audience: z.string().min(1).describe('The other service') }),
    output: z.object({ token: z.string() }),
    handler: async (args, ctx) => {
      ctx.deps.calls.push('forward');
      return { token: await ctx.delegate(args.audience) };
    },
  }),
];

/** The side's task backend: its own table (a Temporal-backed one in mcp-network). */
const taskBackend = (deps: Deps): TaskBackend => ({
  get: async (taskId) => {
    const t = deps.tasks.get(taskId);
    return t && { task: t.task, resource: { owner: t.owner } };
  },
  cancel: async (taskId) => {
    const t = deps.tasks.get(taskId);
    if (t) t.task = { ...t.task, status: 'cancelled', statusMessage: 'cancelled on request' };
  },
  update: async () => {},
});
/** The side's token delegation: names the audience and the subject it traded for; refuses one audience. */
const delegation = (deps: Deps): TokenDelegation => ({
  exchange: async (subjectToken, audience) => {
    deps.exchanges.push(audience);
    if (audience === 'refusing-service') throw new PlatformError('ERR_TOKEN_EXCHANGE', 'the identity provider refused the exchange');
    return `for-${audience}-as-${USERS[subjectToken]?.id ?? 'nobody'}`;
  },
});

interface Side {
  url: string;
  running: RunningServer;
  close: () => Promise<void>;
  seen: PolicyInput[];
  deps: Deps;
  logger: MemoryLogger;
  metrics: PlatformMetrics;
}

async function start(fastPath: boolean): Promise<Side> {
  const logger = new MemoryLogger();
  const seen: PolicyInput[] = [];
  const deps: Deps = { calls: [], tasks: new Map(), exchanges: [] };
  const metrics = createMetrics({ processMetrics: false });
  const { url, running } = await serveMcpApp(logger, (publicUrl) => ({
    service: { name: 'diff-server', version: '1.2.3' },
    serverId: 'diff',
    upstreamName: 'Test Upstream',
    publicUrl,
    tools,
    deps,
    logger,
    verifier,
    issuer: 'http://127.0.0.1:1',
    authorizer: policy(seen),
    metrics,
    fastPath,
    tasks: taskBackend(deps),
    delegation: delegation(deps),
    // The corpus is one user sending ~100 requests in a burst: far above the default per-user rate.
    limits: createRequestLimits({ name: `diff-${String(fastPath)}`, settings: { ratePerSecond: 10_000, burst: 10_000 }, logger }),
  }));
  return { url, running, close: () => running.close(), seen, deps, logger, metrics };
}

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const envelope = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientInfo': { name: 'diff', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const tasksEnvelope = { ...envelope, 'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } } };
const ACCEPT = 'application/json, text/event-stream';

interface Case {
  name: string;
  headers: Record<string, string>;
  body: string;
  /** Whether the fast path is expected to answer it (the rest must fall through to the SDK). */
  fast: boolean;
  /** What the (common) answer must be, where "the same" alone could hide a shared failure. */
  check?: (a: Answer) => void;
}

const modernHeaders = (method: string, name?: string, token = 'token-reader') => ({
  'content-type': 'application/json',
  accept: ACCEPT,
  authorization: `Bearer ${token}`,
  'mcp-protocol-version': MODERN,
  'mcp-method': method,
  ...(name !== undefined ? { 'mcp-name': name } : {}),
});
const legacyHeaders = (token = 'token-reader') => ({ 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${token}`, 'mcp-protocol-version': LEGACY });
const call = (name: string, args: unknown, id: unknown = 7, modern = true) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, ...(args === undefined ? {} : { arguments: args }), ...(modern ? { _meta: envelope } : {}) } });

const corpus: Case[] = [];
for (const token of ['token-reader', 'token-writer']) {
  corpus.push(
    { name: `modern tools/list ${token}`, headers: modernHeaders('tools/list', undefined, token), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope } }), fast: true },
    { name: `legacy tools/list ${token}`, headers: legacyHeaders(token), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), fast: true },
    { name: `modern change ${token}`, headers: modernHeaders('tools/call', 'change', token), body: call('change', { targets: ['a', 'b'] }), fast: true },
    { name: `legacy change ${token}`, headers: legacyHeaders(token), body: call('change', { targets: ['a'] }, 'x-1', false), fast: true },
  );
}
for (const [era, modern] of [
  ['modern', true],
  ['legacy', false],
] as const) {
  const h = (name: string) => (modern ? modernHeaders('tools/call', name) : legacyHeaders());
  corpus.push(
    { name: `${era} echo`, headers: h('echo'), body: call('echo', { text: 'hi', times: 2 }, 7, modern), fast: true },
    { name: `${era} echo with default`, headers: h('echo'), body: call('echo', { text: 'hi' }, 'str-id', modern), fast: true },
    { name: `${era} echo wrong type`, headers: h('echo'), body: call('echo', { text: 5 }, 8, modern), fast: true },
    { name: `${era} echo two bad fields`, headers: h('echo'), body: call('echo', { text: 'x'.repeat(30), times: 0 }, 8, modern), fast: true },
    { name: `${era} echo no arguments`, headers: h('echo'), body: call('echo', undefined, 9, modern), fast: true },
    { name: `${era} echo extra argument`, headers: h('echo'), body: call('echo', { text: 'a', extra: true }, 10, modern), fast: true },
    { name: `${era} unknown tool`, headers: h('nope'), body: call('nope', {}, 11, modern), fast: true },
    { name: `${era} business failure`, headers: h('fail'), body: call('fail', { kind: 'business' }, 12, modern), fast: true },
    { name: `${era} handler bug`, headers: h('fail'), body: call('fail', { kind: 'bug' }, 13, modern), fast: true },
    { name: `${era} output not matching its schema`, headers: h('fail'), body: call('fail', { kind: 'bad-output' }, 14, modern), fast: true },
    { name: `${era} arguments not an object`, headers: h('echo'), body: call('echo', ['hi'], 15, modern), fast: false },
    { name: `${era} name not a string`, headers: h('echo'), body: JSON.stringify({ jsonrpc: '2.0', id: 16, method: 'tools/call', params: { name: 3, ...(modern ? { _meta: envelope } : {}) } }), fast: false },
    { name: `${era} notification tools/call`, headers: h('echo'), body: JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, ...(modern ? { _meta: envelope } : {}) } }), fast: false },
    { name: `${era} null id`, headers: h('echo'), body: JSON.stringify({ jsonrpc: '2.0', id: null, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, ...(modern ? { _meta: envelope } : {}) } }), fast: false },
    { name: `${era} wrong jsonrpc version`, headers: h('echo'), body: JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, ...(modern ? { _meta: envelope } : {}) } }), fast: false },
    { name: `${era} tools/list with cursor`, headers: modern ? modernHeaders('tools/list') : legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'abc', ...(modern ? { _meta: envelope } : {}) } }), fast: false },
    { name: `${era} other method (ping)`, headers: modern ? modernHeaders('ping') : legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping', ...(modern ? { params: { _meta: envelope } } : {}) }), fast: false },
    { name: `${era} Accept without event-stream`, headers: { ...h('echo'), accept: 'application/json' }, body: call('echo', { text: 'a' }, 4, modern), fast: false },
    { name: `${era} text/plain body`, headers: { ...h('echo'), 'content-type': 'text/plain' }, body: call('echo', { text: 'a' }, 4, modern), fast: false },
    { name: `${era} task-augmented call`, headers: h('echo'), body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, task: { ttl: 1000 }, ...(modern ? { _meta: envelope } : {}) } }), fast: false },
    { name: `${era} batch of two calls`, headers: h('echo'), body: JSON.stringify([JSON.parse(call('echo', { text: 'a' }, 1, modern)), JSON.parse(call('echo', { text: 'b' }, 2, modern))]), fast: false },
    { name: `${era} empty batch`, headers: h('echo'), body: '[]', fast: false },
    { name: `${era} malformed JSON`, headers: h('echo'), body: '{"jsonrpc":', fast: false },
    { name: `${era} step-up required (RFC 9470 401)`, headers: h('elevate'), body: call('elevate', {}, 18, modern), fast: true },
    { name: `${era} denied write`, headers: h('change'), body: call('change', { targets: ['a'] }, 17, modern), fast: true },
  );
}
corpus.push(
  { name: 'modern Mcp-Name mismatch', headers: modernHeaders('tools/call', 'fail'), body: call('echo', { text: 'a' }), fast: false },
  { name: 'modern Mcp-Name missing', headers: modernHeaders('tools/call'), body: call('echo', { text: 'a' }), fast: false },
  { name: 'modern Mcp-Name base64 sentinel', headers: modernHeaders('tools/call', `=?base64?${Buffer.from('echo').toString('base64')}?=`), body: call('echo', { text: 'a' }), fast: false },
  { name: 'modern Mcp-Method mismatch', headers: modernHeaders('tools/list', 'echo'), body: call('echo', { text: 'a' }), fast: false },
  { name: 'modern Mcp-Method missing', headers: { ...modernHeaders('tools/call', 'echo'), 'mcp-method': '' }, body: call('echo', { text: 'a' }), fast: false },
  { name: 'modern protocol header missing', headers: (({ 'mcp-protocol-version': _v, ...rest }) => rest)(modernHeaders('tools/call', 'echo')), body: call('echo', { text: 'a' }), fast: false },
  { name: 'modern header names legacy version', headers: { ...modernHeaders('tools/call', 'echo'), 'mcp-protocol-version': LEGACY }, body: call('echo', { text: 'a' }), fast: false },
  { name: 'modern header without envelope', headers: modernHeaders('tools/call', 'echo'), body: call('echo', { text: 'a' }, 7, false), fast: false },
  { name: 'modern envelope naming an unknown revision', headers: { ...modernHeaders('tools/call', 'echo'), 'mcp-protocol-version': '2099-01-01' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, _meta: { ...envelope, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }), fast: false },
  { name: 'modern envelope with bad clientInfo', headers: modernHeaders('tools/call', 'echo'), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, _meta: { ...envelope, 'io.modelcontextprotocol/clientInfo': 'me' } } }), fast: false },
  { name: 'modern envelope with a progress token', headers: modernHeaders('tools/call', 'echo'), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, _meta: { ...envelope, progressToken: 'p' } } }), fast: false },
  { name: 'legacy without protocol header', headers: (({ 'mcp-protocol-version': _v, ...rest }) => rest)(legacyHeaders()), body: call('echo', { text: 'a' }, 7, false), fast: false },
  { name: 'legacy with an unsupported protocol header', headers: { ...legacyHeaders(), 'mcp-protocol-version': '1999-01-01' }, body: call('echo', { text: 'a' }, 7, false), fast: false },
  { name: 'legacy with an older revision', headers: { ...legacyHeaders(), 'mcp-protocol-version': '2025-06-18' }, body: call('echo', { text: 'a' }, 7, false), fast: false },
  { name: 'legacy initialize', headers: (({ 'mcp-protocol-version': _v, ...rest }) => rest)(legacyHeaders()), body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'diff', version: '1' } } }), fast: false },
  { name: 'legacy initialized notification', headers: legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), fast: false },
  // The legacy era's classification is taken without the SDK's classifier when the body cannot be a response; these must still fall through.
  { name: 'legacy call that also carries a result', headers: legacyHeaders(), body: JSON.stringify({ ...JSON.parse(call('echo', { text: 'a' }, 61, false)), result: {} }), fast: false },
  { name: 'legacy call that also carries an error', headers: legacyHeaders(), body: JSON.stringify({ ...JSON.parse(call('echo', { text: 'a' }, 62, false)), error: { code: 1, message: 'x' } }), fast: false },
  { name: 'legacy call with an unknown top-level key', headers: legacyHeaders(), body: JSON.stringify({ ...JSON.parse(call('echo', { text: 'a' }, 63, false)), extra: true }), fast: false },
  { name: 'legacy call with a fractional id', headers: legacyHeaders(), body: call('echo', { text: 'a' }, 1.5, false), fast: false },
  { name: 'legacy call with an id beyond the safe integers', headers: legacyHeaders(), body: call('echo', { text: 'a' }, 2 ** 60, false), fast: false },
  { name: 'legacy call without params', headers: legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 64, method: 'tools/call' }), fast: false },
  { name: 'legacy tools/list without params', headers: legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 65, method: 'tools/list' }), fast: true },
  { name: 'legacy call with params null', headers: legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 66, method: 'tools/call', params: null }), fast: false },
  { name: 'legacy call with _meta null', headers: legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 67, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, _meta: null } }), fast: false },
  { name: 'legacy call with a modern envelope', headers: legacyHeaders(), body: call('echo', { text: 'a' }, 68, true), fast: false },
  { name: 'legacy header with surrounding spaces (trimmed by Node)', headers: { ...legacyHeaders(), 'mcp-protocol-version': ' 2025-11-25 ' }, body: call('echo', { text: 'a' }, 69, false), fast: true },
  { name: 'modern server/discover', headers: modernHeaders('server/discover'), body: JSON.stringify({ jsonrpc: '2.0', id: 'd', method: 'server/discover', params: { _meta: envelope } }), fast: false },
);

// Per-call extras. Token delegation is served on the fast path; progress tokens, task tools and
// tasks/* take the SDK path, and every one of them must answer the same as the SDK-only app.
const rpc = (id: number | string, method: string, params: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const resultOf = (a: Answer): Record<string, unknown> => {
  const messages = Array.isArray(a.payload) ? a.payload : [a.payload];
  const last = messages.at(-1) as { result?: Record<string, unknown> } | undefined;
  return last?.result ?? {};
};
const progressOf = (a: Answer) => (Array.isArray(a.payload) ? a.payload : [a.payload]).filter((m) => (m as { method?: string }).method === 'notifications/progress');
corpus.push(
  { name: 'modern delegate on the caller behalf', headers: modernHeaders('tools/call', 'forward'), body: call('forward', { audience: 'svc-a' }, 40), fast: true, check: (a) => expect(resultOf(a)['structuredContent']).toEqual({ token: 'for-svc-a-as-rita' }) },
  { name: 'legacy delegate on the caller behalf', headers: legacyHeaders('token-writer'), body: call('forward', { audience: 'svc-b' }, 41, false), fast: true, check: (a) => expect(resultOf(a)['structuredContent']).toEqual({ token: 'for-svc-b-as-walt' }) },
  { name: 'modern delegation refused', headers: modernHeaders('tools/call', 'forward'), body: call('forward', { audience: 'refusing-service' }, 42), fast: true, check: (a) => expect(resultOf(a)).toMatchObject({ isError: true, _meta: { 'io.mcp-platform/error': { code: 'ERR_TOKEN_EXCHANGE' } } }) },
  { name: 'modern count without a progress token', headers: modernHeaders('tools/call', 'count'), body: call('count', { to: 2 }, 43), fast: true, check: (a) => expect(resultOf(a)['structuredContent']).toEqual({ counted: 2 }) },
  { name: 'legacy count without a progress token', headers: legacyHeaders(), body: call('count', { to: 2 }, 44, false), fast: true, check: (a) => expect(progressOf(a)).toEqual([]) },
  {
    name: 'legacy count with a progress token (notifications on the SDK path)',
    headers: legacyHeaders(),
    body: rpc(45, 'tools/call', { name: 'count', arguments: { to: 3 }, _meta: { progressToken: 'p-45' } }),
    fast: false,
    check: (a) => {
      expect(progressOf(a).map((m) => (m as { params: unknown }).params)).toEqual([1, 2, 3].map((i) => ({ progressToken: 'p-45', progress: i, total: 3, message: `counted ${i}` })));
      expect(resultOf(a)['structuredContent']).toEqual({ counted: 3 });
    },
  },
  { name: 'modern count with a progress token', headers: modernHeaders('tools/call', 'count'), body: rpc(46, 'tools/call', { name: 'count', arguments: { to: 2 }, _meta: { ...envelope, progressToken: 46 } }), fast: false, check: (a) => expect(a.status).toBe(200) },
  { name: 'modern echo from a tasks-declaring client', headers: modernHeaders('tools/call', 'echo'), body: rpc(47, 'tools/call', { name: 'echo', arguments: { text: 't' }, _meta: tasksEnvelope }), fast: true, check: (a) => expect(resultOf(a)['resultType']).toBe('complete') },
  { name: 'modern tools/list from a tasks-declaring client', headers: modernHeaders('tools/list'), body: rpc(48, 'tools/list', { _meta: tasksEnvelope }), fast: true, check: (a) => expect((resultOf(a)['tools'] as unknown[]).length).toBeGreaterThan(3) },
  {
    name: 'modern task tool from a tasks-declaring client (answered with the task)',
    headers: modernHeaders('tools/call', 'start_job', 'token-writer'),
    body: rpc(49, 'tools/call', { name: 'start_job', arguments: { name: 'a' }, _meta: tasksEnvelope }),
    fast: false,
    check: (a) => expect(resultOf(a)).toMatchObject({ resultType: 'task', taskId: 'job-a', status: 'working', createdAt: TASK_TIME }),
  },
  { name: 'modern task tool without the extension (answered with the result)', headers: modernHeaders('tools/call', 'start_job', 'token-writer'), body: call('start_job', { name: 'b' }, 50), fast: false, check: (a) => expect(resultOf(a)).toMatchObject({ resultType: 'complete', structuredContent: { jobId: 'job-b' } }) },
  { name: 'legacy task tool', headers: legacyHeaders('token-writer'), body: call('start_job', { name: 'c' }, 51, false), fast: false, check: (a) => expect(resultOf(a)['structuredContent']).toEqual({ jobId: 'job-c' }) },
  { name: 'modern task tool denied', headers: modernHeaders('tools/call', 'start_job'), body: rpc(52, 'tools/call', { name: 'start_job', arguments: { name: 'd' }, _meta: tasksEnvelope }), fast: false, check: (a) => expect(resultOf(a)['isError']).toBe(true) },
  { name: 'modern task-augmented call of a task tool', headers: modernHeaders('tools/call', 'start_job', 'token-writer'), body: rpc(53, 'tools/call', { name: 'start_job', arguments: { name: 'e' }, task: { ttl: 1000 }, _meta: tasksEnvelope }), fast: false },
  { name: 'modern tasks/get by the owner', headers: modernHeaders('tasks/get', 'job-a', 'token-writer'), body: rpc(54, 'tasks/get', { taskId: 'job-a', _meta: tasksEnvelope }), fast: false, check: (a) => expect(resultOf(a)).toMatchObject({ taskId: 'job-a', status: 'working' }) },
  { name: 'modern tasks/get by another caller (not found)', headers: modernHeaders('tasks/get', 'job-a'), body: rpc(55, 'tasks/get', { taskId: 'job-a', _meta: tasksEnvelope }), fast: false, check: (a) => expect(JSON.stringify(a.payload)).toMatch(/Task not found/) },
  { name: 'modern tasks/get without the extension', headers: modernHeaders('tasks/get', 'job-a', 'token-writer'), body: rpc(56, 'tasks/get', { taskId: 'job-a', _meta: envelope }), fast: false, check: (a) => expect(JSON.stringify(a.payload)).toMatch(/-32021/) },
  { name: 'modern tasks/cancel by another caller (not found)', headers: modernHeaders('tasks/cancel', 'job-a'), body: rpc(57, 'tasks/cancel', { taskId: 'job-a', _meta: tasksEnvelope }), fast: false, check: (a) => expect(JSON.stringify(a.payload)).toMatch(/Task not found/) },
  { name: 'modern tasks/cancel by the owner', headers: modernHeaders('tasks/cancel', 'job-a', 'token-writer'), body: rpc(58, 'tasks/cancel', { taskId: 'job-a', _meta: tasksEnvelope }), fast: false, check: (a) => expect(a.status).toBe(200) },
  { name: 'modern tasks/get after the cancel', headers: modernHeaders('tasks/get', 'job-a', 'token-writer'), body: rpc(59, 'tasks/get', { taskId: 'job-a', _meta: tasksEnvelope }), fast: false, check: (a) => expect(resultOf(a)).toMatchObject({ status: 'cancelled' }) },
  { name: 'legacy tasks/get', headers: legacyHeaders('token-writer'), body: rpc(60, 'tasks/get', { taskId: 'job-a' }), fast: false },
);

interface Answer {
  wwwAuthenticate: string | null;
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  payload: unknown;
}
let traceSeq = 0;
async function send(side: Side, c: Case, traceparent: string): Promise<Answer> {
  const r = await fetch(side.url, { method: 'POST', headers: { ...c.headers, traceparent }, body: c.body });
  const text = await r.text();
  const contentType = r.headers.get('content-type');
  let payload: unknown = text;
  if (contentType?.startsWith('text/event-stream')) {
    payload = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as unknown);
  } else if (text.length > 0) {
    try {
      payload = JSON.parse(text) as unknown;
    } catch {
      payload = text;
    }
  }
  return { status: r.status, contentType, cacheControl: r.headers.get('cache-control'), wwwAuthenticate: r.headers.get('www-authenticate')?.replace(new URL(side.url).origin, '<origin>') ?? null, payload };
}

let fast: Side;
let sdk: Side;
beforeAll(async () => {
  [fast, sdk] = await startAll([start(true), start(false)]);
});
afterAll(async () => {
  await Promise.all([fast?.close(), sdk?.close()]);
});

const dispatched = async (side: Side, path: 'fast' | 'sdk') => (await side.metrics.mcpDispatch.get()).values.find((v) => v.labels.path === path)?.value ?? 0;
const auditOf = (side: Side) =>
  side.logger.audits().map((a) => ({ action: a.action, outcome: a.outcome, reason: a.reason, type: a.type, fields: a.fields }));

describe('fast path vs SDK path: the same answers to the same corpus', () => {
  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const fastBefore = await dispatched(fast, 'fast');
    // The same trace id on both sides: it is quoted in "internal error" answers.
    const traceparent = `00-${(++traceSeq).toString(16).padStart(32, 'a')}-${'b'.repeat(16)}-01`;
    const [a, b] = [await send(fast, c, traceparent), await send(sdk, c, traceparent)];
    expect(a).toEqual(b);
    expect(a.status).toBeGreaterThanOrEqual(200);
    c.check?.(a);
    // The answer came from the path the case is meant to exercise (otherwise the comparison is vacuous).
    expect((await dispatched(fast, 'fast')) - fastBefore).toBe(c.fast ? 1 : 0);
    expect(await dispatched(sdk, 'fast')).toBe(0);
  });

  it('asked the policy the same questions, ran the same handlers and wrote the same audit trail', () => {
    const strip = (inputs: PolicyInput[]) => inputs.map((i) => ({ ...i, context: { ...i.context, request_id: typeof i.context.request_id, time: typeof i.context.time } }));
    expect(strip(fast.seen)).toEqual(strip(sdk.seen));
    expect(fast.seen.length).toBeGreaterThan(10);
    expect(fast.deps.calls).toEqual(sdk.deps.calls);
    expect(fast.deps.exchanges).toEqual(sdk.deps.exchanges);
    // ToolContext.asTask: true only for the call that declared the Tasks extension.
    expect(fast.deps.calls.filter((c) => c.startsWith('start_job'))).toEqual(['start_job a asTask=true', 'start_job b asTask=false', 'start_job c asTask=false', 'start_job e asTask=true']);
    expect(fast.deps.exchanges.length).toBeGreaterThan(0);
    expect([...fast.deps.tasks.entries()]).toEqual([...sdk.deps.tasks.entries()]);
    expect(auditOf(fast)).toEqual(auditOf(sdk));
    expect(auditOf(fast).some((a) => a.outcome === 'failure' && a.reason === 'ERR_AUTHZ_DENIED')).toBe(true);
  });
});
