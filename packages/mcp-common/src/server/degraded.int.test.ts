import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger } from '@mcp-platform/test-support';
import type { Authorizer, PolicyInput } from '../authz/index.ts';
import { createUpstreamPolicy, createUpstreamReadCache, UpstreamUnavailableError, type UpstreamPolicy } from '../resilience/index.ts';
import { type RunningServer } from './listen.ts';
import { defineTool } from './tool.ts';
import { serveMcpApp, stubVerifier } from './serve.fixture.ts';

// Degraded mode end to end on the spine: the upstream's breaker opens; reads answer from the cache
// marked stale (with their age), writes are refused before anything runs, /readyz says degraded.

interface Deps {
  policy: UpstreamPolicy;
  upstreamUp: boolean;
  writes: number;
}
const verifier = stubVerifier(() => ({ id: 'walt', groups: ['writers'] }), 'c');
const decided: PolicyInput[] = [];
const authorizer: Authorizer = { decide: async (i) => (decided.push(i), { allow: true, reasons: [] }), ready: async () => true, close: async () => {} };
const upstream = (deps: Deps) => (deps.upstreamUp ? Promise.resolve() : Promise.reject(new UpstreamUnavailableError('test-upstream')));

const tools = [
  defineTool<Deps>()({
    name: 'get_thing',
    title: 'Get thing',
    description: 'Reads a thing.',
    action: 'read',
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    input: z.object({ id: z.string().describe('Id') }),
    output: z.object({ id: z.string(), version: z.number() }),
    handler: async (args, { deps }) =>
      deps.policy.execute(
        async () => {
          await upstream(deps);
          return { id: args.id, version: deps.writes };
        },
        { idempotent: true, cacheKey: `thing/${args.id}` },
      ),
  }),
  defineTool<Deps>()({
    name: 'set_thing',
    title: 'Set thing',
    description: 'Writes a thing.',
    action: 'write',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    input: z.object({ id: z.string().describe('Id') }),
    output: z.object({ ok: z.boolean() }),
    resolveResource: async (args, { deps }) => deps.policy.execute(async () => (await upstream(deps), { id: args.id }), { idempotent: true, cacheKey: `thing/${args.id}` }),
    lockKeys: (args) => [`thing:${args.id}`],
    handler: async (_args, { deps }) =>
      deps.policy.execute(
        async () => {
          await upstream(deps);
          deps.writes++;
          return { ok: true };
        },
        { idempotent: false },
      ),
  }),
];

const deps: Deps = {
  policy: createUpstreamPolicy({
    name: 'test-upstream',
    readCache: createUpstreamReadCache({ name: 'test-upstream', keepForMs: 600_000 }),
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 2, halfOpenAfterMs: 600_000 },
  }),
  upstreamUp: true,
  writes: 0,
};
const logger = new MemoryLogger();
let running: RunningServer;
let url: string;

beforeAll(async () => {
  // The public URL (the token audience) is the app's own loopback address.
  ({ url, running } = await serveMcpApp(logger, (publicUrl) => ({
    service: { name: 'degraded-test', version: '1' },
    serverId: 'test',
    upstreamName: 'Test Upstream',
    publicUrl,
    tools,
    deps,
    logger,
    verifier,
    issuer: 'http://127.0.0.1:1',
    authorizer,
    upstream: { name: 'test-upstream', breakerState: () => deps.policy.breakerState() },
  })));
});
afterAll(async () => {
  await running?.close();
  deps.policy.dispose();
});

let id = 0;
async function call(name: string, args: Record<string, unknown>): Promise<{ content: { text: string }[]; structuredContent?: unknown; isError?: boolean; _meta?: Record<string, unknown> }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer t', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } }),
  });
  const text = await r.text();
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  return (JSON.parse(data?.slice(6) ?? text) as { result: Awaited<ReturnType<typeof call>> }).result;
}
const readyz = async () => (await fetch(new URL('/readyz', url))).json().then((b: unknown) => b as { status: string; checks: Record<string, unknown> });

describe('degraded mode (upstream breaker open)', () => {
  it('is ready and reads fresh while the upstream is up', async () => {
    expect(await readyz()).toEqual({ status: 'ready', checks: expect.objectContaining({ 'test-upstream': true }) as unknown });
    const r = await call('get_thing', { id: 'a' });
    expect(r.structuredContent).toEqual({ id: 'a', version: 0 });
    expect(r._meta?.['io.mcp-platform/stale']).toBeUndefined();
  });

  it('after the breaker opens: reads answer from the cache marked stale with their age, /readyz says degraded (HTTP 200)', async () => {
    deps.upstreamUp = false;
    for (let i = 0; i < 2; i++) expect((await call('get_thing', { id: 'never-read' })).isError).toBe(true);
    expect(deps.policy.breakerState()).toBe('open');
    const res = await fetch(new URL('/readyz', url));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'degraded', checks: expect.objectContaining({ 'test-upstream': 'degraded', authorizer: true }) as unknown });
    const r = await call('get_thing', { id: 'a' });
    expect(r.isError).toBeUndefined();
    expect(r.structuredContent).toEqual({ id: 'a', version: 0 });
    const stale = r._meta?.['io.mcp-platform/stale'] as { stale: boolean; ageMs: number; upstreams: string[] };
    expect(stale).toMatchObject({ stale: true, upstreams: ['test-upstream'] });
    expect(stale.ageMs).toBeGreaterThanOrEqual(0);
    expect(r.content.at(-1)?.text).toMatch(/^\(stale: Test Upstream is down; answered from the cache, \d+ s old\)$/);
  });

  it('a read never cached is refused as unavailable (retryable), not invented', async () => {
    const r = await call('get_thing', { id: 'b' });
    expect(r.isError).toBe(true);
    expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_CIRCUIT_OPEN', retryable: true });
  });

  it('refuses writes cleanly: ERR_UPSTREAM_DEGRADED, before the policy, the resource read or the write', async () => {
    const before = decided.length;
    const r = await call('set_thing', { id: 'a' });
    expect(r.isError).toBe(true);
    expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_UPSTREAM_DEGRADED', retryable: true });
    expect(r.content[0]?.text).toMatch(/Test Upstream is down.*writes are refused.*Nothing was written/);
    expect(decided.length).toBe(before);
    expect(deps.writes).toBe(0);
    const audit = logger.audits('tool-call').at(-1);
    expect(audit).toMatchObject({ outcome: 'failure', reason: 'ERR_UPSTREAM_DEGRADED' });
  });
});
