import type { AuditLogger } from '../logging/types.ts';
import { unavailable } from './decision.ts';
import type { Authorizer, Decision, PolicyInput } from './types.ts';

/**
 * Wraps an {@link Authorizer} so that every decision is one audit event
 * (`event.action: authz-decision`, `event.category: ['iam']`, `event.type:
 * ['allowed'|'denied']`) with the subject, server, tool, action, reasons and
 * request id. Tool arguments and resource attributes are never logged.
 * If `inner.decide` rejects (a broken implementation), the call is denied as unavailable.
 *
 * @example
 * ```ts
 * const authorizer = withAudit(withDecisionCache(createOpaAuthorizer({ url })), auditLogger);
 * ```
 */
export function withAudit(inner: Authorizer, audit: AuditLogger): Authorizer {
  return {
    async decide(input: PolicyInput): Promise<Decision> {
      const started = process.hrtime.bigint();
      let decision: Decision;
      try {
        decision = await inner.decide(input);
      } catch {
        decision = unavailable();
      }
      const reason = decision.reasons.join('; ');
      audit.audit({
        action: 'authz-decision',
        category: ['iam'],
        type: [decision.allow ? 'allowed' : 'denied'],
        outcome: decision.allow ? 'success' : 'failure',
        durationNs: Number(process.hrtime.bigint() - started),
        reason,
        fields: {
          user: { id: input.subject?.id, roles: input.subject?.groups },
          mcp: { server: input.server, tool: input.tool, action: input.action, client_id: input.subject?.client_id },
          event: { reason },
          labels: { request_id: input.context?.request_id },
          ...(decision.error === undefined ? {} : { error: { code: decision.error } }),
        },
      });
      return decision;
    },
    ready: () => inner.ready(),
    close: () => inner.close(),
  };
}
