import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { problemFromToolError } from './app.ts';
import { ERROR_CODES, isPlatformErrorCode } from '@mcp-platform/mcp-common/errors';
import { ProblemError, problemOf } from './problem.ts';

const failed = (text: string, code?: string): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text }],
  ...(code ? { _meta: { 'io.mcp-platform/error': { code, retryable: false } } } : {}),
});

describe('tool errors mapped to HTTP', () => {
  it.each([
    ['ERR_AUTHZ_DENIED', 403],
    ['ERR_AUTHZ_UNAVAILABLE', 503],
    ['ERR_UPSTREAM_UNAVAILABLE', 503],
    ['ERR_UPSTREAM_RATE_LIMITED', 503],
    ['ERR_CIRCUIT_OPEN', 503],
    ['ERR_UPSTREAM_TIMEOUT', 504],
    ['ERR_UPSTREAM_NOT_FOUND', 404],
    ['ERR_VALIDATION', 422],
    ['ERR_UPSTREAM_REJECTED', 422],
    ['ERR_UPSTREAM_INVALID_RESPONSE', 502],
    ['ERR_UPSTREAM_AUTH', 502],
    ['ERR_SECRET_UNAVAILABLE', 503],
    [undefined, 422],
    ['ERR_NOT_A_PLATFORM_CODE', 422],
  ])('%s → %i', (code, status) => {
    const problem = problemFromToolError('network', 'deploy_template', failed('why', code), 30);
    expect(problem.status).toBe(status);
    // A platform code passes through unchanged; anything else is a generic tool failure.
    expect(problem.code).toBe(code !== undefined && isPlatformErrorCode(code) ? code : 'ERR_TOOL_FAILED');
  });

  it('derives every code\'s status, type and retryability from the one vocabulary', () => {
    for (const [code, info] of Object.entries(ERROR_CODES) as [keyof typeof ERROR_CODES, (typeof ERROR_CODES)[keyof typeof ERROR_CODES]][]) {
      const body = problemOf(new ProblemError(code, 'x'));
      expect(body).toMatchObject({ status: info.status, retryable: info.retryable, code });
      expect(body.type).toBe(`https://mcp-platform.dev/problems/${code.slice(4).toLowerCase().replaceAll('_', '-')}`);
    }
    expect(() => new ProblemError('ERR_NOT_FOUND', 'x', { status: 400 })).toThrow(TypeError);
    expect(new ProblemError('ERR_VALIDATION', 'x', { status: 415 }).status).toBe(415);
  });

  it('an upstream rate limit keeps its code and advertises the upstream\'s wait', () => {
    const limited: CallToolResult = { ...failed('slow down', 'ERR_UPSTREAM_RATE_LIMITED'), _meta: { 'io.mcp-platform/error': { code: 'ERR_UPSTREAM_RATE_LIMITED', retryable: true, retryAfterMs: 12_300 } } };
    const p = problemFromToolError('github', 't', limited, 30);
    expect(problemOf(p)).toMatchObject({ status: 503, code: 'ERR_UPSTREAM_RATE_LIMITED', retryable: true });
    expect(p.options.retryAfterSeconds).toBe(13);
  });

  it('503s carry Retry-After; an open breaker advertises its half-open time', () => {
    expect(problemFromToolError('network', 't', failed('x', 'ERR_CIRCUIT_OPEN'), 30).options.retryAfterSeconds).toBe(30);
    expect(problemFromToolError('network', 't', failed('x', 'ERR_UPSTREAM_UNAVAILABLE'), 30).options.retryAfterSeconds).toBe(5);
  });

  it('a deny keeps the policy message as the reason', () => {
    const p = problemFromToolError('network', 't', failed('Denied: group service-desk may not write on network', 'ERR_AUTHZ_DENIED'), 30);
    expect(problemOf(p)).toMatchObject({ status: 403, code: 'ERR_AUTHZ_DENIED', reasons: ['Denied: group service-desk may not write on network'] });
  });

  it('an SDK input validation error is 400 unless the published schema already passed (then 422)', () => {
    const sdk = failed('Input validation error: Invalid arguments for tool t: device_ids: must not repeat');
    expect(problemFromToolError('network', 't', sdk, 30).status).toBe(400);
    expect(problemFromToolError('network', 't', sdk, 30, true).status).toBe(422);
  });

  it('problem bodies follow RFC 9457 with a stable code', () => {
    expect(problemOf(new ProblemError('ERR_NOT_FOUND', 'No MCP server named "x".'), 'req-1')).toEqual({
      type: 'https://mcp-platform.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No MCP server named "x".',
      code: 'ERR_NOT_FOUND',
      instance: 'req-1',
      retryable: false,
    });
  });
});
