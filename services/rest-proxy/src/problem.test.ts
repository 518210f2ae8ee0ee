import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { problemFromToolError } from './app.ts';
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
    [undefined, 422],
  ])('%s → %i', (code, status) => {
    expect(problemFromToolError('network', 'deploy_template', failed('why', code), 30).status).toBe(status);
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
    expect(problemOf(new ProblemError(404, 'ERR_NOT_FOUND', 'No MCP server named "x".'), 'req-1')).toEqual({
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
