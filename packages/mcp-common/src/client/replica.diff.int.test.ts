import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo, OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger } from '@mcp-platform/test-support';
import type { Authorizer, Decision, PolicyInput } from '../authz/index.ts';
import { PlatformError } from '../errors/index.ts';
import { createRequestLimits } from '../limits/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { createMcpApp } from '../server/app.ts';
import { listen, type RunningServer } from '../server/listen.ts';
import { defineTool } from '../server/tool.ts';
import { runWithRequestContext } from '../logging/index.ts';
import { createBackendPool } from './backend-pool.ts';
import { createReplica, notExecuted, type Replica, type ReplicaOptions } from './replica.ts';

// The differential test of the backend hop: the same corpus of calls goes through the SDK `Client`
// path (`path: 'sdk-client'`, what the pool used before) and through the undici hop (the default),
// against (1) a real spine MCP server and (2) a scripted server that answers what a broken or unusual
// server might (error statuses, malformed results, SSE, batches, paging). Results must be deep-equal;
// errors must be the same class with the same code, status, message and cause class, and the same
// answer to `notExecuted` (which decides replica failover). Where the hop deliberately differs — it
// fails at once where the SDK path would wait for the timeout — the case says so and checks the hop.

interface Outcome {
  ok?: unknown;
  error?: { name: string; code: unknown; status: unknown; message: string; cause: string | undefined; causeCode: unknown; notExecuted: boolean };
}

async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await fn() };
  } catch (err) {
    const e = err as Error & { code?: unknown; status?: unknown; cause?: { constructor?: { name?: string }; code?: unknown } };
    return {
      error: {
        name: e.constructor.name,
        code: e.code,
        status: e.status,
        message: e.message,
        cause: e.cause?.constructor?.name,
        causeCode: e.cause?.code,
        notExecuted: notExecuted(err),
      },
    };
  }
}

const base = (path: ReplicaOptions['path']): ReplicaOptions => ({
  timeoutMs: 1_500,
  breakerFailures: 1_000,
  breakerHalfOpenMs: 60_000,
  healthTimeoutMs: 500,
  clientName: 'diff-client',
  version: '1.0.0',
  path,
});

// ---------------------------------------------------------------- (1) a real spine server

const USERS: Record<string, { id: string; groups: string[] }> = { reader: { id: 'rita', groups: ['readers'] }, writer: { id: 'walt', groups: ['writers'] } };
const verifier: OAuthTokenVerifier = {
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const user = USERS[token];
    if (!user) throw new OAuthError(OAuthErrorCode.InvalidToken, 'invalid token');
    return { token, clientId: 'c', scopes: ['mcp:tools'], expiresAt: Math.floor(Date.now() / 1000) + 600, extra: { principal: { id: user.id, groups: user.groups, scopes: ['mcp:tools'], clientId: 'c' } } };
  },
};
const authorizer: Authorizer = {
  async decide(input: PolicyInput): Promise<Decision> {
    if (input.tool === 'elevate') return { allow: false, reasons: ['step-up authentication required'], stepUp: { acrValues: ['mfa'], maxAgeSeconds: 900 } };
    if (input.action === 'read' || input.subject.groups.includes('writers')) return { allow: true, reasons: ['ok'] };
    return { allow: false, reasons: ['readers may not write'] };
  },
  ready: async () => true,
  close: async () => {},
};
const tools = [
  defineTool<object>()({
    name: 'echo',
    title: 'Echo',
    description: 'Echoes the text.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ text: z.string().max(20).describe('Text'), times: z.number().int().min(1).default(1).describe('Repeats') }),
    output: z.object({ text: z.string(), caller: z.string() }),
    handler: async (args, ctx) => ({ text: args.text.repeat(args.times), caller: ctx.principal.id }),
    render: (o) => `${o.caller} said ${o.text}`,
  }),
  defineTool<object>()({
    name: 'change',
    title: 'Change',
    description: 'Changes targets.',
    action: 'write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    input: z.object({ targets: z.array(z.string()).min(1).describe('Targets') }),
    output: z.object({ changed: z.number() }),
    handler: async (args) => ({ changed: args.targets.length }),
  }),
  defineTool<object>()({
    name: 'elevate',
    title: 'Elevate',
    description: 'Needs a recent multi-factor sign-in.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({}),
    output: z.object({ ok: z.boolean() }),
    handler: async () => ({ ok: true }),
  }),
  defineTool<object>()({
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
];

describe('backend hop: undici path against the SDK Client path', () => {
  let spine: RunningServer;
  let spineUrl: string;
  let scripted: http.Server;
  let scriptedUrl: string;
  const wire: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const replicas: Replica[] = [];
  const pair = (url: string, overrides: Partial<ReplicaOptions> = {}): [Replica, Replica] => {
    const sdk = createReplica('diff', 'mcp-diff', url, { ...base('sdk-client'), ...overrides });
    const hop = createReplica('diff', 'mcp-diff', url, { ...base('undici'), ...overrides });
    replicas.push(sdk, hop);
    return [sdk, hop];
  };

  beforeAll(async () => {
    const logger = new MemoryLogger();
    const probe = await listen((await import('express')).default(), { host: '127.0.0.1', port: 0, logger });
    const port = probe.port;
    await probe.close();
    spineUrl = `http://127.0.0.1:${String(port)}/mcp`;
    const mcp = createMcpApp({
      service: { name: 'diff-server', version: '1.2.3' },
      serverId: 'diff',
      upstreamName: 'Test Upstream',
      publicUrl: spineUrl,
      tools,
      deps: {},
      logger,
      verifier,
      issuer: 'http://127.0.0.1:1',
      authorizer,
      metrics: createMetrics({ processMetrics: false }),
      limits: createRequestLimits({ name: 'diff-hop', settings: { ratePerSecond: 10_000, burst: 10_000 }, logger }),
    });
    spine = await listen(mcp.app, { host: '127.0.0.1', port, logger, onClose: [() => mcp.close()] });

    scripted = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        wire.push({ headers: { ...req.headers }, body });
        const msg = JSON.parse(body || '{}') as { id?: unknown; method?: string; params?: { name?: string; cursor?: string } };
        if (msg.method === 'server/discover') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } } }));
          return;
        }
        const key = msg.method === 'tools/call' ? (msg.params?.name ?? '') : (req.headers.authorization ?? '').slice('Bearer '.length);
        const script = SCRIPTS[key];
        if (!script) {
          res.statusCode = 500;
          res.end(`no script for ${key}`);
          return;
        }
        script(msg, res);
      });
    });
    await new Promise<void>((r) => scripted.listen(0, '127.0.0.1', r));
    scriptedUrl = `http://127.0.0.1:${String((scripted.address() as AddressInfo).port)}/mcp`;
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await spine?.close();
    scripted?.closeAllConnections();
    await new Promise((r) => scripted?.close(r));
  });

  const spineCorpus: [string, (r: Replica) => Promise<unknown>][] = [
    ['tools/list as reader', (r) => r.listTools('reader')],
    ['tools/list as writer', (r) => r.listTools('writer')],
    ['echo', (r) => r.callTool('reader', 'echo', { text: 'hi', times: 2 })],
    ['echo with a default', (r) => r.callTool('reader', 'echo', { text: 'hi' })],
    ['echo: wrong type', (r) => r.callTool('reader', 'echo', { text: 5 })],
    ['echo: two bad fields', (r) => r.callTool('reader', 'echo', { text: 'x'.repeat(30), times: 0 })],
    ['echo: no arguments', (r) => r.callTool('reader', 'echo', {})],
    ['echo: an extra argument', (r) => r.callTool('reader', 'echo', { text: 'a', extra: true })],
    ['unknown tool', (r) => r.callTool('reader', 'nope', {})],
    ['a name needing base64 in Mcp-Name', (r) => r.callTool('reader', 'ünïcode tool', {})],
    ['denied write', (r) => r.callTool('reader', 'change', { targets: ['a'] })],
    ['allowed write', (r) => r.callTool('writer', 'change', { targets: ['a', 'b'] })],
    ['business failure', (r) => r.callTool('reader', 'fail', { kind: 'business' })],
    ['handler bug', (r) => r.callTool('reader', 'fail', { kind: 'bug' })],
    ['output not matching its schema', (r) => r.callTool('reader', 'fail', { kind: 'bad-output' })],
    ['step-up required (RFC 9470 401)', (r) => r.callTool('reader', 'elevate', {})],
    ['unknown token (401)', (r) => r.callTool('stranger', 'echo', { text: 'a' })],
    ['tools/list with an unknown token (401)', (r) => r.listTools('stranger')],
  ];

  it('answers every call on a real spine server the same', async () => {
    const [sdk, hop] = pair(spineUrl);
    for (const [name, call] of spineCorpus) {
      const a = await outcome(() => call(sdk));
      const b = await outcome(() => call(hop));
      // Internal errors name their request's own trace id.
      const same = (o: Outcome) => JSON.parse(JSON.stringify(o).replace(/trace id [0-9a-f]{32}/g, 'trace id …')) as Outcome;
      expect(same(b), name).toEqual(same(a));
    }
    // Not vacuous: the corpus saw results, tool errors and protocol errors.
    const echo = await hop.callTool('reader', 'echo', { text: 'hi', times: 2 });
    expect(echo.structuredContent).toEqual({ text: 'hihi', caller: 'rita' });
    expect((await hop.callTool('reader', 'fail', { kind: 'business' })).isError).toBe(true);
    expect((await hop.listTools('writer')).map((t) => t.name).sort()).toEqual(['change', 'echo', 'elevate', 'fail']);
  });

  // ------------------------------------------------------------ (2) a scripted server
  type Script = (msg: { id?: unknown; method?: string; params?: { cursor?: string } }, res: http.ServerResponse) => void;
  const json =
    (value: (id: unknown) => unknown, status = 200, headers: Record<string, string> = {}): Script =>
    (msg, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value(msg.id)));
    };
  const result = (r: unknown) => json((id) => ({ jsonrpc: '2.0', id, result: r }));
  const text =
    (status: number, body: string, headers: Record<string, string> = {}): Script =>
    (_msg, res) => {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(body);
    };
  const sse =
    (events: (id: unknown) => string[]): Script =>
    (msg, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const e of events(msg.id)) res.write(e);
      res.end();
    };
  const tool = (name: string) => ({ name, inputSchema: { type: 'object' } });
  const listed = { resultType: 'complete', ttlMs: 0, cacheScope: 'private' };
  const pages: Record<string, { tools: unknown[]; nextCursor?: string }> = {
    '': { tools: [tool('a'), tool('b')], nextCursor: 'p2' },
    p2: { tools: [tool('c')], nextCursor: 'p3' },
    p3: { tools: [tool('d')] },
  };
  const SCRIPTS: Record<string, Script> = {
    plain: result({ resultType: 'complete', content: [{ type: 'text', text: 'hi' }] }),
    'extra fields and _meta': result({ resultType: 'complete', content: [{ type: 'text', text: 'hi' }], structuredContent: { a: 1 }, _meta: { 'x/y': 1 }, custom: 'kept?' }),
    'is error': result({ resultType: 'complete', content: [{ type: 'text', text: 'no' }], isError: true }),
    'no content': result({ resultType: 'complete', structuredContent: { a: 1 } }),
    'non-object structuredContent': result({ resultType: 'complete', content: [], structuredContent: [1, 2] }),
    'missing resultType': result({ content: [{ type: 'text', text: 'hi' }] }),
    'numeric resultType': result({ resultType: 1, content: [] }),
    'task resultType': result({ resultType: 'task', task: { taskId: 't1', status: 'working' } }),
    'input_required': result({ resultType: 'input_required', inputRequests: { a: { method: 'elicitation/create', params: {} } } }),
    'input_required without requests': result({ resultType: 'input_required' }),
    'result is an array': result([1]),
    'result is null': result(null),
    'content is a string': result({ resultType: 'complete', content: 'hi' }),
    'content item without type': result({ resultType: 'complete', content: [{ text: 'hi' }] }),
    'JSON-RPC error': json((id) => ({ jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params: text', data: { field: 'text' } } })),
    'JSON-RPC error, resource not found': json((id) => ({ jsonrpc: '2.0', id, error: { code: -32002, message: 'nope', data: { uri: 'x://y' } } })),
    'HTTP 500': text(500, 'boom'),
    'HTTP 502': text(502, 'bad gateway'),
    'HTTP 503 (shed before dispatch)': text(503, 'busy', { 'retry-after': '1' }),
    'HTTP 404': text(404, 'not here'),
    'HTTP 429': text(429, 'slow down'),
    "HTTP 429 of the spine's limits": text(429, JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Too many requests in flight for this caller (at most 4); retry when one finishes.', data: { code: 'ERR_CONCURRENCY_LIMITED', retryable: true, retryAfterSeconds: 1 } }, id: null }), { 'content-type': 'application/json', 'retry-after': '1' }),
    'HTTP 403': text(403, 'forbidden'),
    'HTTP 403 insufficient_scope': text(403, 'more scope', { 'www-authenticate': 'Bearer error="insufficient_scope", scope="mcp:admin"' }),
    'HTTP 401': text(401, 'who?'),
    'HTTP 401 step-up': text(401, 'stronger', { 'www-authenticate': 'Bearer error="insufficient_user_authentication", error_description="step up", acr_values="mfa", max_age="900"' }),
    'HTTP 400 with a JSON-RPC error': json((id) => ({ jsonrpc: '2.0', id, error: { code: -32600, message: 'bad request header' } }), 400),
    'HTTP 400 with text': text(400, 'nope'),
    'HTML answer': text(200, '<html></html>', { 'content-type': 'text/html' }),
    'SSE with progress first': sse((id) => [
      `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })}\n\n`,
      `id: e2\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { resultType: 'complete', content: [{ type: 'text', text: 'via sse' }] } })}\n\n`,
    ]),
    'SSE with a ping event and a split line': sse((id) => {
      const data = JSON.stringify({ jsonrpc: '2.0', id, result: { resultType: 'complete', content: [{ type: 'text', text: 'split ü' }] } });
      return [': comment\n\n', 'event: ping\ndata: {}\n\n', `data: ${data.slice(0, 20)}`, `${data.slice(20)}\n\n`];
    }),
    'SSE with an error': sse((id) => [`data: ${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'internal' } })}\n\n`]),
    'SSE with a malformed result': sse((id) => [`data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [] } })}\n\n`]),
    'response with an extra key': json((id) => ({ jsonrpc: '2.0', id, result: { resultType: 'complete', content: [] }, extra: 1 })),
    'error with a fractional code': json((id) => ({ jsonrpc: '2.0', id, error: { code: 1.5, message: 'x' } })),
    'error without a message': json((id) => ({ jsonrpc: '2.0', id, error: { code: -32000 } })),
    'wrong jsonrpc version': json((id) => ({ jsonrpc: '1.0', id, result: { resultType: 'complete', content: [] } })),
    'batch with a malformed sibling': json((id) => [{ jsonrpc: '2.0', method: 5 }, { jsonrpc: '2.0', id, result: { resultType: 'complete', content: [] } }]),
    'batch answer': json((id) => [{ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } }, { jsonrpc: '2.0', id, result: { resultType: 'complete', content: [] } }]),
    // tools/list, keyed by the bearer token
    'list-paged': (msg, res) => result({ ...listed, ...pages[msg.params?.cursor ?? ''] })(msg, res),
    'list-repeating': result({ ...listed, tools: [tool('same')], nextCursor: 'again' }),
    'list-endless': (msg, res) => result({ ...listed, tools: [tool(`t${msg.params?.cursor ?? '0'}`)], nextCursor: `${msg.params?.cursor ?? '0'}x` })(msg, res),
    'list-x-mcp-header': result({
      ...listed,
      tools: [
        { name: 'good', inputSchema: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } } },
        { name: 'bad-type', inputSchema: { type: 'object', properties: { region: { type: 'object', 'x-mcp-header': 'Region' } } } },
        { name: 'bad-place', inputSchema: { type: 'object', properties: { list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } } } } },
        { name: 'dupe', inputSchema: { type: 'object', properties: { a: { type: 'string', 'x-mcp-header': 'X' }, b: { type: 'string', 'x-mcp-header': 'x' } } } },
      ],
    }),
    'list-tool-without-schema': result({ ...listed, tools: [{ name: 'n' }] }),
    'list-missing-resultType': result({ ttlMs: 0, cacheScope: 'private', tools: [tool('a')] }),
    'list-without-ttl': result({ resultType: 'complete', cacheScope: 'private', tools: [tool('a')] }),
    'list-bad-cacheScope': result({ resultType: 'complete', ttlMs: 5, cacheScope: 'everyone', tools: [tool('a')] }),
    'list-tools-not-an-array': result({ ...listed, tools: { a: 1 } }),
    'list-SSE': sse((id) => [`data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { ...listed, tools: [tool('streamed')] } })}\n\n`]),
    'list-HTTP 503': text(503, 'busy'),
    hang: () => undefined,
  };

  const scriptedCalls = [
    'plain',
    'extra fields and _meta',
    'is error',
    'no content',
    'non-object structuredContent',
    'missing resultType',
    'numeric resultType',
    'task resultType',
    'input_required',
    'input_required without requests',
    'result is an array',
    'result is null',
    'content is a string',
    'content item without type',
    'JSON-RPC error',
    'JSON-RPC error, resource not found',
    'HTTP 500',
    'HTTP 502',
    'HTTP 503 (shed before dispatch)',
    'HTTP 404',
    'HTTP 429',
    "HTTP 429 of the spine's limits",
    'HTTP 403',
    'HTTP 403 insufficient_scope',
    'HTTP 401',
    'HTTP 401 step-up',
    'HTTP 400 with a JSON-RPC error',
    'HTTP 400 with text',
    'HTML answer',
    'SSE with progress first',
    'SSE with a ping event and a split line',
    'SSE with an error',
    'SSE with a malformed result',
    'response with an extra key',
    'error with a fractional code',
    'error without a message',
    'wrong jsonrpc version',
    'batch with a malformed sibling',
    'batch answer',
  ];
  const scriptedLists = [
    'list-paged',
    'list-repeating',
    'list-endless',
    'list-x-mcp-header',
    'list-tool-without-schema',
    'list-missing-resultType',
    'list-without-ttl',
    'list-bad-cacheScope',
    'list-tools-not-an-array',
    'list-SSE',
    'list-HTTP 503',
  ];
  // Deliberate differences: where the SDK Client lets a raw ZodError out (not a platform error: the
  // front would answer an internal error and the breaker would not count it), the hop fails with the
  // typed ERR_UPSTREAM_UNAVAILABLE like every other malformed answer.
  const BETTER_ON_THE_HOP = new Set(['result is an array', 'result is null', 'response with an extra key', 'error with a fractional code', 'error without a message', 'wrong jsonrpc version', 'batch with a malformed sibling']);

  it('answers and fails the same on every scripted answer', async () => {
    const [sdk, hop] = pair(scriptedUrl);
    const diffs: string[] = [];
    for (const name of scriptedCalls) {
      const a = await outcome(() => sdk.callTool('tok', name, { x: 1 }));
      const b = await outcome(() => hop.callTool('tok', name, { x: 1 }));
      if (BETTER_ON_THE_HOP.has(name)) {
        expect(a.error?.name, name).toBe('ZodError');
        expect(b.error, name).toMatchObject({ name: 'UpstreamUnavailableError', code: 'ERR_UPSTREAM_UNAVAILABLE', cause: 'SdkError', causeCode: 'INVALID_RESULT' });
        continue;
      }
      if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`${name}\n  sdk: ${JSON.stringify(a)}\n  hop: ${JSON.stringify(b)}`);
    }
    for (const name of scriptedLists) {
      const a = await outcome(() => sdk.listTools(name));
      const b = await outcome(() => hop.listTools(name));
      if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`${name}\n  sdk: ${JSON.stringify(a)}\n  hop: ${JSON.stringify(b)}`);
    }
    expect(diffs.join('\n')).toBe('');
    // Not vacuous: paging, SSE and the SEP-2243 exclusion produced what they should.
    expect((await hop.listTools('list-paged')).map((t) => t.name)).toEqual(['a', 'b', 'c', 'd']);
    expect((await hop.listTools('list-x-mcp-header')).map((t) => t.name)).toEqual(['good']);
    expect((await hop.callTool('tok', 'SSE with a ping event and a split line', {})).content).toEqual([{ type: 'text', text: 'split ü' }]);
    // A malformed answer's cause names what was wrong.
    const malformed = await hop.callTool('tok', 'content is a string', {}).then(
      () => undefined,
      (err: unknown) => (err as { cause?: Error }).cause,
    );
    expect(malformed?.message).toMatch(/^Invalid result for tools\/call: content/);
  });

  it("a backend's 429 is the caller's own limit: passed on with its code and wait on both paths, never counted as a replica failure", async () => {
    // breakerFailures 1: one failure the breaker counted would open it.
    for (const r of pair(scriptedUrl, { breakerFailures: 1 })) {
      for (let i = 0; i < 3; i++) {
        const limited = await outcome(() => r.callTool('tok', "HTTP 429 of the spine's limits", {}));
        expect(limited.error).toMatchObject({ name: 'PlatformError', code: 'ERR_CONCURRENCY_LIMITED', message: 'too many of your requests are in flight at MCP server mcp-diff; retry after 1 s.', notExecuted: false });
        // A 429 without the spine's body is still the caller's: rate limited, no wait known.
        expect((await outcome(() => r.callTool('tok', 'HTTP 429', {}))).error).toMatchObject({ code: 'ERR_RATE_LIMITED', message: 'you exceeded your rate limit at MCP server mcp-diff; retry later.' });
      }
      expect(r.breakerState()).toBe('closed');
      // A real failure still counts: the breaker opens on the first one.
      await outcome(() => r.callTool('tok', 'HTTP 502', {}));
      expect(r.breakerState()).toBe('open');
    }
    // In a pool of two replicas: not repeated on the other replica (that would step around the limit), and
    // the replica stays in routing.
    const pool = createBackendPool({ backends: { diff: { resource: scriptedUrl, urls: [scriptedUrl, scriptedUrl] } }, clientName: 'diff-pool', version: '1.0.0', breakerFailures: 1 });
    try {
      const backend = pool.get('diff')!;
      wire.length = 0;
      for (let i = 0; i < 4; i++) {
        const limited = await outcome(() => backend.callTool('tok', "HTTP 429 of the spine's limits", {}, undefined, { repeatable: () => true }));
        expect(limited.error?.code).toBe('ERR_CONCURRENCY_LIMITED');
      }
      expect(wire).toHaveLength(4);
      expect(backend.available()).toBe(true);
      expect(backend.breakerState()).toBe('closed');
    } finally {
      await pool.close();
    }
  });

  it('sends the same request on the wire: headers, envelope, trace context', async () => {
    const [sdk, hop] = pair(scriptedUrl);
    await sdk.listTools('list-paged'); // the SDK path's one-off server/discover happens first
    const ctx = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', requestId: 'req-diff-1' };
    const seen = async (r: Replica, op: (r: Replica) => Promise<unknown>) => {
      wire.length = 0;
      await runWithRequestContext(ctx, () => op(r));
      // What WHATWG fetch adds on its own (and undici's request does not) says nothing about the MCP request.
      const FETCH_ONLY = new Set(['accept-language', 'sec-fetch-mode', 'user-agent', 'accept-encoding', 'content-length', 'host', 'connection']);
      return wire.map((w) => {
        const { id: _id, ...message } = JSON.parse(w.body) as Record<string, unknown>;
        return { headers: Object.fromEntries(Object.entries(w.headers).filter(([k]) => !FETCH_ONLY.has(k))), message };
      });
    };
    for (const op of [(r: Replica) => r.callTool('tok', 'plain', { a: [1, 'two'] }), (r: Replica) => r.callTool('tok', 'plain', {}), (r: Replica) => r.listTools('list-paged')]) {
      const a = await seen(sdk, op);
      const b = await seen(hop, op);
      expect(b).toEqual(a);
      expect(b[0]?.headers).toMatchObject({ traceparent: `00-${ctx.traceId}-${ctx.spanId}-01`, 'x-request-id': 'req-diff-1', 'mcp-protocol-version': '2026-07-28' });
    }
    const names = async (r: Replica) => {
      wire.length = 0;
      await r.callTool('tok', 'ünïcode tool', {}).catch(() => undefined);
      return wire.map((w) => w.headers['mcp-name']);
    };
    expect(await names(hop)).toEqual(await names(sdk));
  });

  it('times out, aborts and fails to connect the same', async () => {
    const [sdk, hop] = pair(scriptedUrl, { timeoutMs: 300 });
    const hung = [await outcome(() => sdk.callTool('tok', 'hang', {})), await outcome(() => hop.callTool('tok', 'hang', {}))];
    expect(hung[1]).toEqual(hung[0]);
    expect(hung[1]?.error).toMatchObject({ name: 'UpstreamTimeoutError', code: 'ERR_UPSTREAM_TIMEOUT', notExecuted: false });

    const aborted = async (r: Replica) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('caller went away')), 50);
      return outcome(() => r.callTool('tok', 'hang', {}, controller.signal));
    };
    const gone = [await aborted(sdk), await aborted(hop)];
    expect(gone[1]).toEqual(gone[0]);
    expect(gone[1]?.error?.message).toBe('caller went away');

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${String((closed.address() as AddressInfo).port)}/mcp`;
    await new Promise((r) => closed.close(r));
    const [deadSdk, deadHop] = pair(deadUrl);
    for (const op of [(r: Replica) => r.callTool('tok', 'plain', {}), (r: Replica) => r.listTools('tok')]) {
      const refused = [await outcome(() => op(deadSdk)), await outcome(() => op(deadHop))];
      expect(refused[1]?.error).toMatchObject({ name: 'UpstreamUnavailableError', code: 'ERR_UPSTREAM_UNAVAILABLE', notExecuted: true });
      expect(refused[1]?.error?.name).toBe(refused[0]?.error?.name);
      expect(refused[1]?.error?.notExecuted).toBe(refused[0]?.error?.notExecuted);
    }
  });
});
