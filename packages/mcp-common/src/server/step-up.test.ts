import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import type { AuthInfo, OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger } from '@mcp-platform/test-support';
import { authenticationFromClaims, parseStepUpChallenge, stepUpChallenge } from '../auth/index.ts';
import type { Authorizer, Decision, PolicyInput } from '../authz/index.ts';
import { type RunningServer } from './listen.ts';
import { defineTool } from './tool.ts';
import { serveMcpApp } from './serve.fixture.ts';

// Step-up (RFC 9470) through the spine: a table-driven authorizer stands in for the policy
// (policies/mcp/step_up.rego is tested with opa test; both IdPs end to end in mcp-network and e2e/).
interface Deps {
  upstreamCalls: string[];
}

const NOW_S = Math.floor(Date.now() / 1000);
const TOKENS: Record<string, Record<string, unknown>> = {
  'token-pwd': { acr: 'pwd', amr: ['pwd'], auth_time: NOW_S - 30 },
  'token-mfa': { acr: 'mfa', amr: ['pwd', 'otp'], auth_time: NOW_S - 30 },
  'token-none': {},
};

const verifier: OAuthTokenVerifier & { ready(): Promise<boolean> } = {
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const claims = TOKENS[token];
    if (!claims) throw new OAuthError(OAuthErrorCode.InvalidToken, 'invalid token');
    const authentication = authenticationFromClaims(claims);
    return {
      token,
      clientId: 'test-client',
      scopes: ['mcp:tools'],
      expiresAt: NOW_S + 600,
      extra: { principal: { id: 'alice', groups: ['admin'], scopes: ['mcp:tools'], clientId: 'test-client', ...(authentication ? { authentication } : {}) } },
    };
  },
  ready: async () => true,
};

const seen: PolicyInput[] = [];
const STEP_UP: Decision = { allow: false, reasons: ['step-up authentication required (risky): authenticate with acr mfa'], stepUp: { acrValues: ['mfa'], maxAgeSeconds: 900 } };
const authorizer: Authorizer = {
  async decide(input: PolicyInput): Promise<Decision> {
    seen.push(input);
    if (input.tool === 'forbidden') return { allow: false, reasons: ['nobody may'] };
    if (input.tool !== 'risky') return { allow: true, reasons: ['ok'] };
    return input.subject.acr === 'mfa' && (input.subject.auth_age_seconds ?? Infinity) <= 900 ? { allow: true, reasons: ['ok'] } : STEP_UP;
  },
  ready: async () => true,
  close: async () => {},
};

const tool = (name: string) =>
  defineTool<Deps>()({
    name,
    title: name,
    description: `The ${name} tool.`,
    action: 'write',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    input: z.object({ target: z.string() }),
    output: z.object({ done: z.string() }),
    handler: async (args, ctx) => {
      ctx.deps.upstreamCalls.push(`${name}:${args.target}`);
      return { done: args.target };
    },
  });

const deps: Deps = { upstreamCalls: [] };
const logger = new MemoryLogger();
let running: RunningServer;
let url: string;

beforeAll(async () => {
  // The public URL (the token audience) is the app's own loopback address.
  ({ url, running } = await serveMcpApp(logger, (publicUrl) => ({
    service: { name: 'step-up-server', version: '1.0.0' },
    serverId: 'test',
    upstreamName: 'Test Upstream',
    publicUrl,
    tools: [tool('risky'), tool('plain'), tool('forbidden')],
    deps,
    logger,
    verifier,
    issuer: 'http://127.0.0.1:1',
    authorizer,
  })));
});
afterAll(async () => {
  await running?.close();
});

/** One 2025-era JSON-RPC request as a plain HTTP client sends it (SSE or JSON answer). */
async function rpc(token: string, method: string, params: Record<string, unknown>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
  });
  const text = await res.text();
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: json ? (JSON.parse(json) as Record<string, unknown>) : undefined };
}

/** RFC 7235 auth-params of a Bearer challenge. */
function params(challenge: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (challenge ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

describe('step-up authentication (RFC 9470) on an MCP server', () => {
  it('answers a too-weak authentication with 401 insufficient_user_authentication, acr_values and max_age; the upstream is not touched', async () => {
    deps.upstreamCalls.length = 0;
    const r = await rpc('token-pwd', 'tools/call', { name: 'risky', arguments: { target: 'core-1' } });
    expect(r.status).toBe(401);
    expect(r.challenge).toMatch(/^Bearer /);
    expect(params(r.challenge)).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: 'mfa',
      max_age: '900',
      resource_metadata: new URL('/.well-known/oauth-protected-resource/mcp', url).href,
    });
    expect(r.body).toMatchObject({ error: 'insufficient_user_authentication' });
    expect(deps.upstreamCalls).toEqual([]);
    // Audited as a denial with the step-up code.
    const audit = logger.audits('tool-call').at(-1);
    expect(audit).toMatchObject({ outcome: 'failure', reason: 'ERR_STEP_UP_REQUIRED', type: ['denied'] });
  });

  it('a token without acr/auth_time gets the same challenge (missing claims are the weakest authentication)', async () => {
    const r = await rpc('token-none', 'tools/call', { name: 'risky', arguments: { target: 'core-1' } });
    expect(r.status).toBe(401);
    expect(params(r.challenge)['error']).toBe('insufficient_user_authentication');
    expect(seen.at(-1)?.subject).not.toHaveProperty('acr');
  });

  it('runs the call after the step-up, passing acr, amr, auth_time and its age to the policy', async () => {
    deps.upstreamCalls.length = 0;
    const r = await rpc('token-mfa', 'tools/call', { name: 'risky', arguments: { target: 'core-1' } });
    expect(r.status).toBe(200);
    expect((r.body?.['result'] as CallToolResult).structuredContent).toEqual({ done: 'core-1' });
    expect(deps.upstreamCalls).toEqual(['risky:core-1']);
    const subject = seen.at(-1)?.subject;
    expect(subject).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'], auth_time: NOW_S - 30 });
    expect(subject?.auth_age_seconds).toBeGreaterThanOrEqual(30);
    expect(subject?.auth_age_seconds).toBeLessThan(300);
  });

  it('a plain deny stays a tool error (200, isError), not a challenge: signing in again would not help', async () => {
    const r = await rpc('token-pwd', 'tools/call', { name: 'forbidden', arguments: { target: 'x' } });
    expect(r.status).toBe(200);
    expect(r.challenge).toBeNull();
    const result = r.body?.['result'] as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_AUTHZ_DENIED', retryable: false });
  });

  it('other calls pass through unchanged (allowed tool, tools/list)', async () => {
    const plain = await rpc('token-pwd', 'tools/call', { name: 'plain', arguments: { target: 'x' } });
    expect(plain.status).toBe(200);
    expect((plain.body?.['result'] as CallToolResult).structuredContent).toEqual({ done: 'x' });
  });

  it('tools/list keeps a tool the caller may call after a step-up, and hides one it may never call', async () => {
    const r = await rpc('token-pwd', 'tools/list', {});
    expect(r.status).toBe(200);
    const names = ((r.body?.['result'] as { tools: { name: string }[] }).tools ?? []).map((t) => t.name).sort();
    expect(names).toEqual(['plain', 'risky']);
  });

  it('a modern (2026-07-28) SDK client gets the 401 as an error, never a result', async () => {
    const c = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await c.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: { token: async () => 'token-pwd' } }));
    await expect(c.callTool({ name: 'risky', arguments: { target: 'core-1' } })).rejects.toThrow();
    expect(((await c.callTool({ name: 'risky', arguments: { target: 'x' } }).catch((e: unknown) => e)) as Error).message).toMatch(/401|unauthorized|authenticat/i);
  });
});

describe('authenticationFromClaims (hostile claim values)', () => {
  it('keeps only well-typed acr, amr and auth_time', () => {
    expect(authenticationFromClaims({ acr: 'mfa', amr: ['pwd', 'otp'], auth_time: 1_764_720_000 })).toEqual({ acr: 'mfa', amr: ['pwd', 'otp'], authTime: 1_764_720_000 });
    expect(authenticationFromClaims({ acr: 2, amr: 'otp', auth_time: '1764720000' })).toBeUndefined();
    expect(authenticationFromClaims({ acr: '', amr: ['pwd', 3], auth_time: -5 })).toBeUndefined();
    expect(authenticationFromClaims({ auth_time: Number.NaN, acr: ['mfa'] })).toBeUndefined();
    expect(authenticationFromClaims({})).toBeUndefined();
  });
});

describe('parseStepUpChallenge (what a client of an MCP server reads back)', () => {
  it('round-trips stepUpChallenge and refuses other or hostile challenges', () => {
    expect(parseStepUpChallenge(stepUpChallenge('http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp', { acrValues: ['mfa'], maxAgeSeconds: 900 }))).toEqual({ acrValues: ['mfa'], maxAgeSeconds: 900 });
    expect(parseStepUpChallenge('Bearer error="insufficient_user_authentication", acr_values="mfa gold"')).toEqual({ acrValues: ['mfa', 'gold'] });
    expect(parseStepUpChallenge('Bearer error="invalid_token", acr_values="mfa"')).toBeUndefined();
    expect(parseStepUpChallenge('Basic realm="x", error="insufficient_user_authentication", acr_values="mfa"')).toBeUndefined();
    expect(parseStepUpChallenge('Bearer error="insufficient_user_authentication"')).toBeUndefined();
    expect(parseStepUpChallenge('Bearer error="insufficient_user_authentication", max_age="-5", acr_values="\u0001"')).toBeUndefined();
    expect(parseStepUpChallenge(`Bearer error="insufficient_user_authentication", acr_values="${'a'.repeat(5000)}"`)).toBeUndefined();
    expect(parseStepUpChallenge(null)).toBeUndefined();
  });
});
