import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { authFailureReason, principalFromAuthInfo, type TokenVerifier } from '@mcp-platform/mcp-common/auth';
import type { AuditLogger } from '@mcp-platform/mcp-common/logging';
import type { CredentialLedger } from '../identity/ledger.ts';
import type { VerifiedIdentity } from '@mcp-platform/deployment-contract';

/** What a credential is presented for (audited; part of the single-use record). */
export type CredentialPurpose = 'start' | 'approve' | 'reject' | 'cancel' | 'respond';

/** What {@link createIdentityActivities} needs. */
export interface IdentityDeps {
  /** Verifies access tokens whose audience is the worker (`DEPLOY_WORKER_AUDIENCE`) against the IdP. */
  verifier: TokenVerifier;
  /** Single-use record of credentials. */
  ledger: CredentialLedger;
  logger: AuditLogger;
}

/**
 * The identity activity: the only way a person's identity enters a deployment workflow.
 *
 * @example
 * ```ts
 * const { verifyIdentity } = createIdentityActivities({ verifier, ledger, logger });
 * ```
 */
export function createIdentityActivities({ verifier, ledger, logger }: IdentityDeps) {
  const audit = (workflowId: string, purpose: CredentialPurpose, outcome: 'success' | 'failure', fields: Record<string, unknown>, reason?: string): void =>
    logger.audit({
      action: 'deployment-credential-verified',
      category: ['iam'],
      type: ['access'],
      outcome,
      ...(reason !== undefined ? { reason } : {}),
      fields: { ...fields, labels: { workflow_id: workflowId, purpose } },
    });

  return {
    /**
     * Verifies `credential` (signature against the IdP's JWKS, issuer, audience = the worker,
     * expiry, scopes) and claims it in the single-use ledger. Refusals are non-retryable
     * `ApplicationFailure`s whose `type` is the reason code (`ERR_TOKEN_EXPIRED`,
     * `ERR_TOKEN_AUDIENCE`, `ERR_CREDENTIAL_REPLAYED`, …); an unreachable IdP is retried.
     */
    async verifyIdentity(input: { workflowId: string; credential: string; purpose: CredentialPurpose }): Promise<VerifiedIdentity> {
      const { workflowId, credential, purpose } = input;
      if (typeof credential !== 'string' || credential === '') {
        audit(workflowId, purpose, 'failure', {}, 'ERR_TOKEN_MISSING');
        throw ApplicationFailure.nonRetryable('a credential is required', 'ERR_TOKEN_MISSING');
      }
      let authInfo;
      try {
        authInfo = await verifier.verifyAccessToken(credential);
      } catch (err) {
        const reason = authFailureReason(err);
        if (reason === undefined || reason === 'ERR_IDP_UNAVAILABLE') throw new Error('identity provider unavailable', { cause: err }); // transient: retried
        audit(workflowId, purpose, 'failure', {}, reason);
        throw ApplicationFailure.nonRetryable(`credential refused (${reason})`, reason);
      }
      const principal = principalFromAuthInfo(authInfo);
      const info = Context.current().info;
      const fingerprint = createHash('sha256').update(credential).digest('base64url');
      const fresh = await ledger.claim(fingerprint, { workflowId, purpose, useId: `${info.workflowExecution?.workflowId ?? workflowId}/${info.activityId}` }, (authInfo.expiresAt ?? 0) * 1000);
      if (!fresh) {
        audit(workflowId, purpose, 'failure', { user: { id: principal.id } }, 'ERR_CREDENTIAL_REPLAYED');
        throw ApplicationFailure.nonRetryable('credential refused (ERR_CREDENTIAL_REPLAYED): it was already used', 'ERR_CREDENTIAL_REPLAYED');
      }
      audit(workflowId, purpose, 'success', { user: { id: principal.id, roles: principal.groups }, client: { id: principal.clientId } });
      return { id: principal.id, groups: [...principal.groups], clientId: principal.clientId, ...(principal.actorId === undefined ? {} : { actorId: principal.actorId }) };
    },
  };
}

export type IdentityActivities = ReturnType<typeof createIdentityActivities>;
