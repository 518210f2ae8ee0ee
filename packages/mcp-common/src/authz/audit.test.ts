import { MemoryLogger } from '@mcp-platform/test-support';
import { describe, expect, it } from 'vitest';
import { withAudit } from './audit.ts';
import { unavailable } from './decision.ts';
import { AuthzDeniedError, AuthzUnavailableError, assertAllowed } from './errors.ts';
import { CORE, deploy, input } from './inputs.fixture.ts';
import type { Authorizer, Decision } from './types.ts';

const fixed = (d: Decision | (() => Promise<Decision>)): Authorizer => ({
  decide: typeof d === 'function' ? d : async () => d,
  ready: async () => true,
  close: async () => undefined,
});

describe('withAudit', () => {
  it('audits an allow with subject, tool, reason and request id', async () => {
    const log = new MemoryLogger();
    const authz = withAudit(fixed({ allow: true, reasons: ['granted by group admin'] }), log);
    await authz.decide(input(['admin'], 'network', 'read', { tool: 'list_devices' }));

    const [event, ...rest] = log.audits('authz-decision');
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      action: 'authz-decision',
      category: ['iam'],
      type: ['allowed'],
      outcome: 'success',
      reason: 'granted by group admin',
      fields: {
        user: { id: 'alice', roles: ['admin'] },
        mcp: { server: 'network', tool: 'list_devices', action: 'read', client_id: 'agent-x' },
        event: { reason: 'granted by group admin' },
        labels: { request_id: 'req-1' },
      },
    });
    expect(event?.durationNs).toBeGreaterThanOrEqual(0);
    expect(event?.fields).not.toHaveProperty('error');
  });

  it('audits a deny and never logs arguments or resource attributes', async () => {
    const log = new MemoryLogger();
    const reasons = ['deploying to CORE devices requires group admin: core-sw-01'];
    const authz = withAudit(fixed({ allow: false, reasons }), log);
    const call = deploy(['network-engineers'], [CORE]);
    expect(await authz.decide(call)).toEqual({ allow: false, reasons });

    const [event] = log.audits('authz-decision');
    expect(event).toMatchObject({ type: ['denied'], outcome: 'failure', reason: reasons[0] });
    expect(log.text()).not.toContain('s3cr3t-value');
    expect(log.text()).not.toContain('tpl-1');
    expect(JSON.stringify(event)).not.toContain('arguments');
  });

  it('marks engine faults with the error code, and turns a rejecting engine into a deny', async () => {
    const log = new MemoryLogger();
    await withAudit(fixed(unavailable()), log).decide(input(['admin'], 'network', 'read'));
    const broken = withAudit(
      fixed(async () => {
        throw new Error('bug');
      }),
      log,
    );
    expect(await broken.decide(input(['admin'], 'network', 'read'))).toEqual(unavailable());

    const events = log.audits('authz-decision');
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e).toMatchObject({ type: ['denied'], outcome: 'failure', reason: 'policy engine unavailable' });
      expect(e.fields).toMatchObject({ error: { code: 'ERR_AUTHZ_UNAVAILABLE' } });
    }
  });
});

describe('assertAllowed', () => {
  it('passes an allow, throws typed errors otherwise', () => {
    expect(() => assertAllowed({ allow: true, reasons: [] })).not.toThrow();

    const denied = (() => {
      try {
        assertAllowed({ allow: false, reasons: ['no group of the subject grants write on server network'] });
      } catch (err) {
        return err;
      }
    })();
    expect(denied).toBeInstanceOf(AuthzDeniedError);
    expect(denied).toMatchObject({
      code: 'ERR_AUTHZ_DENIED',
      name: 'AuthzDeniedError',
      reasons: ['no group of the subject grants write on server network'],
    });

    expect(() => assertAllowed(unavailable())).toThrow(AuthzUnavailableError);
    expect(() => assertAllowed(unavailable())).toThrow(expect.objectContaining({ code: 'ERR_AUTHZ_UNAVAILABLE' }));
  });
});
