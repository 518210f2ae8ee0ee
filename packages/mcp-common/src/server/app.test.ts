import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger } from '@mcp-platform/test-support';
import type { Authorizer, Decision, PolicyInput } from '../authz/index.ts';
import { PlatformError } from '../errors/index.ts';
import { UpstreamRateLimitedError } from '../resilience/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { createServerFactory } from './mcp-server.ts';
import { type RunningServer } from './listen.ts';
import { defineTool } from './tool.ts';
import { serveMcpApp, stubVerifier } from './serve.fixture.ts';

// The spine in isolation: a static token table and a table-driven authorizer stand in for
// the IdP and OPA (both are exercised for real in mcp-network's end-to-end suite).
interface Deps {
  upstreamCalls: string[];
}

const USERS: Record<string, { id: string; groups: string[] }> = {
  'token-reader': { id: 'rita', groups: ['readers'] },
  'token-writer': { id: 'walt', groups: ['writers'] },
};

const verifier = stubVerifier((token) => USERS[token]);

const seen: PolicyInput[] = [];
let engineDown = false;
const authorizer: Authorizer = {
  async decide(input: PolicyInput): Promise<Decision> {
    seen.push(input);
    if (engineDown) return { allow: false, reasons: ['policy engine unavailable'], error: 'ERR_AUTHZ_UNAVAILABLE' };
    const writer = input.subject.groups.includes('writers');
    if (input.action === 'read' || writer) {
      const blocked = (input.resource?.['targets'] as string[] | undefined)?.includes('protected');
      return blocked ? { allow: false, reasons: ['target protected needs admin'] } : { allow: true, reasons: ['ok'] };
    }
    return { allow: false, reasons: ['readers may not write'] };
  },
  ready: async () => !engineDown,
  close: async () => {},
};

const tools = [
  defineTool<Deps>()({
    name: 'echo',
    title: 'Echo',
    description: 'Echoes the text and who asked.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ text: z.string().max(20).describe('Text to echo') }),
    output: z.object({ text: z.string(), caller: z.string() }),
    handler: async (args, ctx) => ({ text: args.text, caller: ctx.principal.id }),
    render: (o) => `${o.caller} said ${o.text}`,
  }),
  defineTool<Deps>()({
    name: 'change',
    title: 'Change',
    description: 'Changes targets upstream.',
    action: 'write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    input: z.object({ targets: z.array(z.string()).min(1) }),
    output: z.object({ changed: z.number() }),
    lockKeys: (args) => args.targets.map((t) => `target:${t}`),
    resolveResource: async (args, ctx) => {
      ctx.deps.upstreamCalls.push('lookup');
      await new Promise((r) => setTimeout(r, 5));
      return { targets: args.targets };
    },
    handler: async (args, ctx) => {
      ctx.deps.upstreamCalls.push('change');
      return { changed: args.targets.length };
    },
  }),
  defineTool<Deps>()({
    name: 'fail',
    title: 'Fail',
    description: 'Fails.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ kind: z.enum(['business', 'bug', 'upstream', 'limited']) }),
    output: z.object({}),
    handler: async (args) => {
      if (args.kind === 'business') throw new PlatformError('ERR_VALIDATION', 'kind: not today');
      if (args.kind === 'upstream') throw new PlatformError('ERR_UPSTREAM_UNAVAILABLE', 'status 503');
      if (args.kind === 'limited') throw new UpstreamRateLimitedError('test-upstream', 42_500);
      throw new Error('secret internal detail s3cr3t');
    },
  }),
  defineTool<Deps>()({
    name: 'act_elsewhere',
    title: 'Act elsewhere',
    description: 'Gets a token for another service on the caller\'s behalf.',
    action: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    input: z.object({ audience: z.string() }),
    output: z.object({ token: z.string() }),
    handler: async (args, ctx) => ({ token: await ctx.delegate(args.audience) }),
  }),
];

/** Records what the spine asked to exchange: the caller's own token and the requested audience. */
const exchanges: { subjectToken: string; audience: string }[] = [];

const deps: Deps = { upstreamCalls: [] };
const logger = new MemoryLogger();
let running: RunningServer;
let url: string;

beforeAll(async () => {
  // The public URL (the token audience) is the app's own loopback address.
  ({ url, running } = await serveMcpApp(logger, (publicUrl) => ({
    service: { name: 'test-server', version: '1.0.0' },
    serverId: 'test',
    upstreamName: 'Test Upstream',
    publicUrl,
    tools,
    deps,
    logger,
    verifier,
    issuer: 'http://127.0.0.1:1',
    authorizer,
    delegation: {
      exchange: async (subjectToken, audience) => {
        exchanges.push({ subjectToken, audience });
        return `exchanged-for-${audience}`;
      },
    },
  })));
});
afterAll(async () => {
  await running?.close();
});

async function client(token: string): Promise<Client> {
  const c = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: { token: async () => token } }));
  return c;
}
const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('security headers on every answer', () => {
  it('sends nosniff, a frame-ancestors CSP and (except on public metadata) no-store on MCP, refusals, metadata and probes', async () => {
    const base = new URL(url);
    const answers = await Promise.all([
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      fetch(new URL('/.well-known/oauth-protected-resource/mcp', base)),
      fetch(new URL('/healthz', base)),
      fetch(new URL('/nowhere', base)),
    ]);
    for (const r of answers) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      // The protected-resource metadata is public and the same for everyone: it stays cacheable.
      expect(r.headers.get('cache-control')).toBe(r.url.includes('/.well-known/') ? 'public, max-age=3600' : 'no-store');
      expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      await r.body?.cancel();
    }
    expect(answers[0]?.status).toBe(401);
  });
});

describe('hostile input at the spine (nothing decided, nothing written)', () => {
  it('refuses whitespace-only strings, lone surrogates and huge arrays with a validation error naming the field, before policy and upstream', async () => {
    deps.upstreamCalls.length = 0;
    const decisions = seen.length;
    const w = await client('token-writer');
    const cases: [string, Record<string, unknown>, string][] = [
      ['change', { targets: ['ok', '   '] }, 'targets[1]: must not be blank (whitespace only)'],
      ['change', { targets: ['a\ud800b'] }, 'targets[0]: is not valid Unicode (lone surrogate)'],
      ['change', { targets: Array.from({ length: 1001 }, (_, i) => `t${i}`) }, 'targets: more than 1000 items'],
      ['echo', { text: '\t\n' }, 'text: must not be blank (whitespace only)'],
    ];
    for (const [name, args, message] of cases) {
      const r = (await w.callTool({ name, arguments: args })) as CallToolResult;
      expect(r.isError, message).toBe(true);
      expect(text(r)).toBe(message);
      expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_VALIDATION', retryable: false });
    }
    expect(deps.upstreamCalls).toEqual([]);
    expect(seen.length).toBe(decisions);
  });

  it('refuses a deeply nested body before parsing it: 400 naming the path, the connection still usable afterwards', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer token-writer', 'mcp-protocol-version': '2025-11-25' };
    const nested = '['.repeat(200_000) + ']'.repeat(200_000);
    const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"change","arguments":{"targets":${nested}}}}`;
    const r = await fetch(url, { method: 'POST', headers, body });
    expect(r.status).toBe(400);
    const answer = (await r.json()) as { error: { code: number; message: string; data: { code: string } } };
    expect(answer.error).toMatchObject({ code: -32600, data: { code: 'ERR_VALIDATION' } });
    expect(answer.error.message).toBe(`params.arguments.targets${'[0]'.repeat(61)}: JSON nested deeper than 64 levels`);
    const after = (await (await client('token-reader')).callTool({ name: 'echo', arguments: { text: 'still here' } })) as CallToolResult;
    expect(after.structuredContent).toEqual({ text: 'still here', caller: 'rita' });
  });
});

describe('createMcpApp (spine, stubbed identity and policy)', () => {
  it('passes the verified principal to handlers and renders structured output', async () => {
    const r = (await (await client('token-reader')).callTool({ name: 'echo', arguments: { text: 'hi' } })) as CallToolResult;
    expect(r.structuredContent).toEqual({ text: 'hi', caller: 'rita' });
    expect(text(r)).toBe('rita said hi');
    const input = seen.at(-1);
    expect(input).toMatchObject({ subject: { id: 'rita', groups: ['readers'], client_id: 'test-client' }, server: 'test', tool: 'echo', action: 'read', arguments: { text: 'hi' } });
    expect(input?.context.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('delegate() exchanges the verified caller\'s own token for the requested audience', async () => {
    const r = (await (await client('token-writer')).callTool({ name: 'act_elsewhere', arguments: { audience: 'urn:example:worker' } })) as CallToolResult;
    expect(r.structuredContent).toEqual({ token: 'exchanged-for-urn:example:worker' });
    expect(exchanges.at(-1)).toEqual({ subjectToken: 'token-writer', audience: 'urn:example:worker' });
  });

  it('filters tools/list through the policy', async () => {
    expect((await (await client('token-reader')).listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'fail']);
    expect((await (await client('token-writer')).listTools()).tools.map((t) => t.name).sort()).toEqual(['act_elsewhere', 'change', 'echo', 'fail']);
  });

  it('denies before resolving resources or touching the upstream, with reasons and a code', async () => {
    deps.upstreamCalls.length = 0;
    const r = (await (await client('token-reader')).callTool({ name: 'change', arguments: { targets: ['a'] } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('Permission denied: readers may not write.');
    expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_AUTHZ_DENIED', retryable: false });
    expect(deps.upstreamCalls).toEqual([]);
  });

  it('decides again with the resolved resource (argument-aware rules)', async () => {
    deps.upstreamCalls.length = 0;
    const w = await client('token-writer');
    const denied = (await w.callTool({ name: 'change', arguments: { targets: ['x', 'protected'] } })) as CallToolResult;
    expect(text(denied)).toBe('Permission denied: target protected needs admin.');
    expect(deps.upstreamCalls).toEqual(['lookup']);
    const ok = (await w.callTool({ name: 'change', arguments: { targets: ['x'] } })) as CallToolResult;
    expect(ok.structuredContent).toEqual({ changed: 1 });
    expect(deps.upstreamCalls).toEqual(['lookup', 'lookup', 'change']);
  });

  it('binds the decision to the write: concurrent calls on one resource run lookup → decide → change one after the other', async () => {
    deps.upstreamCalls.length = 0;
    const c = await client('token-writer');
    const results = (await Promise.all([1, 2, 3].map(() => c.callTool({ name: 'change', arguments: { targets: ['r1', 'r2'] } })))) as CallToolResult[];
    expect(results.every((r) => !r.isError)).toBe(true);
    expect(deps.upstreamCalls).toEqual(['lookup', 'change', 'lookup', 'change', 'lookup', 'change']);
  });

  it('refuses at start a state-dependent write tool that declares no lockKeys (TypeError naming the tool)', () => {
    const unbound = defineTool<Deps>()({
      name: 'unbound',
      title: 'Unbound',
      description: 'x',
      action: 'write',
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      input: z.object({}),
      output: z.object({}),
      resolveResource: async () => ({}),
      handler: async () => ({}),
    });
    expect(() =>
      createServerFactory({ name: 't', version: '0', serverId: 't', upstreamName: 'T', tools: [unbound], deps, authorizer, logger, metrics: createMetrics({ processMetrics: false }) }),
    ).toThrow(/tool unbound: .* must declare lockKeys/);
  });

  it('maps failures to caller-safe results: business message, unavailable upstream, internal error without details', async () => {
    const c = await client('token-reader');
    const business = (await c.callTool({ name: 'fail', arguments: { kind: 'business' } })) as CallToolResult;
    expect(text(business)).toBe('kind: not today');
    expect(business._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_VALIDATION' });
    const upstream = (await c.callTool({ name: 'fail', arguments: { kind: 'upstream' } })) as CallToolResult;
    expect(text(upstream)).toBe('Test Upstream is unavailable right now (status 503); try again later.');
    expect(upstream._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_UPSTREAM_UNAVAILABLE', retryable: true });
    const limited = (await c.callTool({ name: 'fail', arguments: { kind: 'limited' } })) as CallToolResult;
    expect(text(limited)).toBe('Test Upstream is rate limiting requests; try again in 43 s.');
    expect(limited._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_UPSTREAM_RATE_LIMITED', retryable: true, retryAfterMs: 42_500 });
    const bug = (await c.callTool({ name: 'fail', arguments: { kind: 'bug' } })) as CallToolResult;
    expect(text(bug)).toMatch(/^Internal error \(trace id [0-9a-f]{32}\)\.$/);
    expect(text(bug)).not.toContain('s3cr3t');
  });

  it('fails closed when the policy engine is down, and /readyz says so — degraded (200), not dead: the replica keeps answering', async () => {
    engineDown = true;
    try {
      const r = (await (await client('token-writer')).callTool({ name: 'echo', arguments: { text: 'x' } })) as CallToolResult;
      expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_AUTHZ_UNAVAILABLE', retryable: true });
      const ready = await fetch(new URL('/readyz', url));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'degraded', checks: { 'identity-provider': true, authorizer: false } });
    } finally {
      engineDown = false;
    }
  });

  it('audits every call with outcome and duration, and echoes a request id', async () => {
    const res = await fetch(new URL('/healthz', url), { headers: { 'x-request-id': 'req-123' } });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const calls = logger.audits('tool-call');
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.some((e) => e.outcome === 'failure' && e.type?.includes('denied'))).toBe(true);
    expect(calls.every((e) => typeof e.durationNs === 'number' && e.durationNs > 0)).toBe(true);
  });
});
