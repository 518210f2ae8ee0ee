import { ProtocolError, ProtocolErrorCode, Server, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import type { Authorizer } from '../authz/index.ts';
import { createMetrics } from '../metrics/index.ts';
import type { FastPathHandlers } from './fast-path.ts';
import type { RunningServer } from './listen.ts';
import { serveMcpApp } from './serve.fixture.ts';

// A factory surface's own fast-path handlers (what the MCP gateway passes): which requests they take,
// how their results are encoded per era, and how their thrown errors are answered.

const verifier: OAuthTokenVerifier = {
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    return { token, clientId: 'c', scopes: ['mcp:tools'], expiresAt: Math.floor(Date.now() / 1000) + 600, extra: { principal: { id: 'u', groups: [], scopes: ['mcp:tools'], clientId: 'c' } } };
  },
};
const authorizer: Authorizer = { decide: async () => ({ allow: true, reasons: [] }), ready: async () => true, close: async () => {} };
const SERVER_INFO = { name: 'factory-server', version: '2.0.0' };
const FOREIGN_INFO = { name: 'backend', version: '9' };

const handlers: FastPathHandlers = {
  takes: (r) => r.method !== 'tools/call' || r.name !== 'to-the-sdk',
  listTools: async (r) => (r.era === 'modern' ? { tools: [], resultType: 'complete', ttlMs: 0, cacheScope: 'private' } : { tools: [] }),
  callTool: async (r) => {
    if (r.name === 'invalid') throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'no such thing', { hint: 'x' });
    if (r.name === 'not-found') throw Object.assign(new Error('Resource gone'), { code: -32002 });
    if (r.name === 'bug') throw new Error('secret internal detail');
    if (r.name === 'with-info') return { content: [], _meta: { 'io.modelcontextprotocol/serverInfo': FOREIGN_INFO, other: 1 } };
    return { content: [{ type: 'text', text: `fast ${r.name}` }] };
  },
};
const sdkServer = () => {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/call', async (req) => ({ content: [{ type: 'text', text: `sdk ${req.params.name}` }] }));
  return server;
};

const logger = new MemoryLogger();
const metrics = createMetrics({ processMetrics: false });
let running: RunningServer;
let url: string;
beforeAll(async () => {
  ({ url, running } = await serveMcpApp(logger, (publicUrl) => ({
    service: SERVER_INFO,
    serverId: 'factory',
    publicUrl,
    serverFactory: sdkServer,
    fastPathHandlers: handlers,
    logger,
    verifier,
    issuer: 'http://127.0.0.1:1',
    authorizer,
    metrics,
  })));
});
afterAll(async () => {
  await running?.close();
});

const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
async function callTool(name: string, modern = true): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer t', 'mcp-protocol-version': modern ? '2026-07-28' : '2025-11-25' };
  if (modern) Object.assign(headers, { 'mcp-method': 'tools/call', 'mcp-name': name });
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name, arguments: {}, ...(modern ? { _meta: envelope } : {}) } }) });
  const text = await res.text();
  return JSON.parse(modern ? text : (text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6)) as Record<string, unknown>;
}
const dispatched = async (path: 'fast' | 'sdk') => (await metrics.mcpDispatch.get()).values.find((v) => v.labels.path === path)?.value ?? 0;

describe("a factory surface's fast-path handlers", () => {
  it('answer the calls they take, encoded per era as the SDK encodes them', async () => {
    const before = await dispatched('fast');
    expect(await callTool('echo')).toEqual({ jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: 'fast echo' }], resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': SERVER_INFO } } });
    expect(await callTool('echo', false)).toEqual({ jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: 'fast echo' }] } });
    // A result that names a server already keeps it (the SDK stamps serverInfo only where none is).
    expect((await callTool('with-info'))['result']).toEqual({ content: [], resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': FOREIGN_INFO, other: 1 } });
    expect((await dispatched('fast')) - before).toBe(3);
  });

  it('leave what they decline to the SDK server', async () => {
    const before = await dispatched('sdk');
    expect((await callTool('to-the-sdk'))['result']).toMatchObject({ content: [{ type: 'text', text: 'sdk to-the-sdk' }] });
    expect((await dispatched('sdk')) - before).toBe(1);
  });

  it('answer a thrown JSON-RPC error with its code, message and data (-32002 read as -32602, as the SDK does)', async () => {
    expect(await callTool('invalid')).toEqual({ jsonrpc: '2.0', id: 5, error: { code: -32602, message: 'no such thing', data: { hint: 'x' } } });
    expect((await callTool('not-found', false))['error']).toEqual({ code: -32602, message: 'Resource gone' });
  });

  it('answer any other thrown error with a generic internal error, logged, its message not echoed', async () => {
    const answer = await callTool('bug');
    expect(answer['error']).toEqual({ code: -32603, message: 'Internal server error' });
    expect(JSON.stringify(answer)).not.toContain('secret');
    expect(logger.lines.some((l) => l.level === 'error' && l.message === 'fast path failed')).toBe(true);
  });
});
