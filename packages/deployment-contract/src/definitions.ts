/**
 * The deployment workflow's message definitions — the Update, Query and Signal names and payload
 * types a client and the workflow agree on. Workflow-safe: only `@temporalio/workflow`'s `define*`
 * (pure name+type holders) and type imports, so the workflow bundle imports this file too.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApprovalAttempt,
  ApproveSignal,
  ApproveUpdate,
  DeploymentProgress,
  InputVerdict,
  RespondUpdate,
  StopSignal,
  StopUpdate,
  StopVerdict,
} from './types.ts';

export const progressQuery = defineQuery<DeploymentProgress>('progress');
/** Approve as the person whose credential is given; answers the four-eyes verdict. */
export const approveUpdate = defineUpdate<ApprovalAttempt, [ApproveUpdate]>('approve');
/** Reject (approvers) before or during the deployment; answers who stopped it. */
export const rejectUpdate = defineUpdate<StopVerdict, [StopUpdate]>('reject');
/** Cancel (the requester, or an approver); answers who stopped it. */
export const cancelUpdate = defineUpdate<StopVerdict, [StopUpdate]>('cancel');
/** Answer the deployment's question (`progress.input`) as its requester; answers the recorded decision. */
export const respondUpdate = defineUpdate<InputVerdict, [RespondUpdate]>('respond');
/** LEGACY signals of workflows started before the `verified-identities` patch (names in the payload). */
export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const rejectSignal = defineSignal<[StopSignal]>('reject');
export const cancelSignal = defineSignal<[StopSignal]>('cancel');
