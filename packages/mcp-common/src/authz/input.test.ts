import { describe, expect, it } from 'vitest';
import { contextFromHeaders, runWithRequestContext } from '../logging/index.ts';
import { policyInputFor } from './index.ts';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const alice = { id: 'alice', groups: ['network-engineers'], scopes: ['mcp:tools'], clientId: 'agent-x' };

describe('policyInputFor', () => {
  it('builds the DESIGN.md contract: subject, server, tool, action, arguments, context', () => {
    expect(policyInputFor({ subject: alice, server: 'network', tool: 'list_devices', action: 'read', arguments: { role: 'CORE' }, requestId: 'req-1', nowMs: NOW })).toEqual({
      subject: { id: 'alice', groups: ['network-engineers'], scopes: ['mcp:tools'], client_id: 'agent-x' },
      server: 'network',
      tool: 'list_devices',
      action: 'read',
      arguments: { role: 'CORE' },
      context: { request_id: 'req-1', time: '2026-12-03T10:00:00.000Z' },
    });
  });

  it('asks the argument-free question by default and adds resource only when given', () => {
    const bare = policyInputFor({ subject: alice, server: 'network', tool: 'deploy_template', action: 'write', resource: undefined, nowMs: NOW });
    expect(bare.arguments).toEqual({});
    expect('resource' in bare).toBe(false);
    const resolved = policyInputFor({ subject: alice, server: 'network', tool: 'deploy_template', action: 'write', resource: { devices: [{ id: 'd1', role: 'CORE' }] }, nowMs: NOW });
    expect(resolved.resource).toEqual({ devices: [{ id: 'd1', role: 'CORE' }] });
  });

  it('carries the caller’s authentication for the step-up rules, with its age in whole seconds', () => {
    const input = policyInputFor({
      subject: { ...alice, authentication: { acr: 'mfa', amr: ['pwd', 'otp'], authTime: NOW / 1000 - 90.5 } },
      server: 'network',
      tool: 'deploy_template',
      action: 'write',
      nowMs: NOW,
    });
    expect(input.subject).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'], auth_time: NOW / 1000 - 90.5, auth_age_seconds: 90 });
    expect(policyInputFor({ subject: alice, server: 'network', tool: 't', action: 'read' }).subject).not.toHaveProperty('acr');
  });

  it('takes the request id from the current request context unless one is given', () => {
    const ctx = { ...contextFromHeaders({}), requestId: 'from-context' };
    runWithRequestContext(ctx, () => {
      expect(policyInputFor({ subject: alice, server: 'itsm', tool: 't', action: 'read' }).context.request_id).toBe('from-context');
      expect(policyInputFor({ subject: alice, server: 'itsm', tool: 't', action: 'read', requestId: 'wf-1' }).context.request_id).toBe('wf-1');
    });
    expect(policyInputFor({ subject: alice, server: 'itsm', tool: 't', action: 'read' }).context.request_id).toBe('');
  });
});
