import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';

/** Where a credential was used: the activity that verified it (idempotent across that activity's retries). */
export interface CredentialUse {
  workflowId: string;
  purpose: string;
  /** `<workflow id>/<activity id>` of the verifying activity. */
  useId: string;
}

/** Records that a credential was used, so it can never be used again (replay protection). */
export interface CredentialLedger {
  /**
   * Claims the credential with this fingerprint for `use`; `false` when it was already claimed by
   * another use (a replay). Claiming again for the same `useId` (an activity retry) answers `true`.
   */
  claim(fingerprint: string, use: CredentialUse, expiresAtMs: number): Promise<boolean>;
}

/** Workflow type of the ledger's entries (`src/workflows/credential-use.ts`). */
export const CREDENTIAL_USE_WORKFLOW_TYPE = 'credentialUseWorkflow';

/**
 * The ledger kept in Temporal itself: one `credentialUseWorkflow` per credential, id
 * `credential-use-<fingerprint>`, open until the credential expired. Shared by every worker replica
 * (the id is unique per namespace), durable, and needs nothing besides the cluster the worker already uses.
 *
 * @example
 * ```ts
 * const ledger = createTemporalCredentialLedger(client, 'template-deployments');
 * if (!(await ledger.claim(fingerprint, use, expiresAtMs))) throw new Error('replayed credential');
 * ```
 */
export function createTemporalCredentialLedger(client: Client, taskQueue: string): CredentialLedger {
  return {
    async claim(fingerprint, use, expiresAtMs) {
      const workflowId = `credential-use-${fingerprint}`;
      try {
        await client.workflow.start(CREDENTIAL_USE_WORKFLOW_TYPE, {
          taskQueue,
          workflowId,
          args: [{ expiresAtMs }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { useId: use.useId, usedBy: use.workflowId, purpose: use.purpose },
        });
        return true;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const existing = await client.workflow.getHandle(workflowId).describe();
        return existing.memo?.['useId'] === use.useId;
      }
    },
  };
}
