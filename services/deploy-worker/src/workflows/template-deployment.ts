/**
 * The template deployment workflow (deterministic: Temporal APIs, plain data
 * and type-only imports of the activities; lint forbids Node built-ins and I/O
 * packages here).
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatchResult, DeploymentActivities, TicketRef } from '../activities/index.ts';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  progressQuery,
  rejectSignal,
  rejectUpdate,
  respondUpdate,
  summarize,
  type ApprovalAttempt,
  type ApproveSignal,
  type DeploymentProgress,
  type DeploymentRequest,
  type DeploymentResult,
  type Identity,
  type InputDecision,
  type InputRequest,
  type InputVerdict,
  type StopSignal,
  type StopUpdate,
  type StopVerdict,
  type VerifiedRequest,
} from '@mcp-platform/deployment-contract/workflow';

/**
 * Identities are verified credentials, approvals are Updates. Workflows started before this patch
 * replay their original path (requester and approvers named in the payload, signals).
 */
export const VERIFIED_IDENTITIES_PATCH = 'verified-identities';

/**
 * The workflow keeps a summary of its progress in its memo (`progress`, see {@link summarize}) so
 * that `describe()` answers where it is while no worker runs. Workflows started before this patch
 * replay without the memo updates (their status needs the progress query, i.e. a worker).
 */
export const PROGRESS_MEMO_PATCH = 'progress-memo';

/**
 * An approval is recorded on the change as ServiceNow records it — the approver's decision in their
 * own approval record (`sysapproval_approver`), by the approve Update itself, one decision per change
 * (concurrent approvers take turns and get the same answer) — and a reject is recorded there too.
 * Workflows started before this patch record the approval when the change is moved on.
 */
export const APPROVAL_RECORDS_PATCH = 'approval-records';

/**
 * Concurrent approve Updates take turns for real: a handler re-checks the turn after it wakes.
 * `condition()` unblocks every waiter whose predicate holds in the same pass, so two approvals whose
 * authorization finished in one workflow task both saw "nobody is recording" and both recorded a
 * decision — each answered with itself as the approver (seen once in six runs on a loaded machine).
 * Workflows started before this patch replay the single wait they ran with.
 */
export const APPROVAL_TURNS_PATCH = 'approval-turns';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const STOPPABLE = new Set(['validating', 'opening_change', 'awaiting_approval', 'deploying', 'awaiting_input']);

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function requireCredential(credential: unknown): void {
  if (typeof credential !== 'string' || credential.length === 0 || credential.length > 16_384) {
    throw new TypeError('credential must be a non-empty access token for the deploy worker');
  }
}

/**
 * validate → open change (correlation id = workflow id) → wait for a four-eyes
 * approval → deploy in batches (failure threshold) → verify → close change;
 * on failure roll back deployed batches in reverse order, record it on the
 * change, close it unsuccessful and open an incident.
 */
export async function templateDeploymentWorkflow(request: DeploymentRequest): Promise<DeploymentResult> {
  const verifiedIdentities = patched(VERIFIED_IDENTITIES_PATCH);
  const progressMemo = patched(PROGRESS_MEMO_PATCH);
  const approvalRecords = patched(APPROVAL_RECORDS_PATCH);
  const approvalTurns = patched(APPROVAL_TURNS_PATCH);
  const workflowId = workflowInfo().workflowId;
  const batchSize = Math.max(1, request.batchSize ?? 5);
  const failureThreshold = Math.max(0, request.failureThreshold ?? 0);
  const batches = chunk(request.deviceIds, batchSize);

  const acts = proxyActivities<DeploymentActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
  });
  const deploy = proxyActivities<DeploymentActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: request.heartbeatTimeoutMs ?? 30_000,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
  });
  // An Update waits for this: a few quick retries, not the 10 of the other activities.
  const identity = proxyActivities<DeploymentActivities>({
    startToCloseTimeout: '15 seconds',
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 5 },
  });

  const progress: DeploymentProgress = {
    step: 'validating',
    requester: verifiedIdentities ? '' : (request.requester?.id ?? ''),
    templateId: request.templateId,
    approvals: [],
    batchesTotal: batches.length,
    batchesDone: 0,
    devices: Object.fromEntries(request.deviceIds.map((id) => [id, { status: 'pending' as const }])),
    updatedAt: new Date().toISOString(),
  };
  const pendingApprovals: ApproveSignal[] = [];
  let stop: { kind: 'rejected' | 'cancelled'; signal: StopSignal } | undefined;
  let answer: InputVerdict | undefined;
  /** True while an approve Update records its decision on the change (the others wait for its outcome). */
  let recordingApproval = false;
  let requester: Identity | undefined = verifiedIdentities ? undefined : request.requester;
  // eslint-disable-next-line prefer-const -- assigned once below, but the Update handlers above read it before that
  let change: TicketRef | undefined;
  /** Publishes the progress summary in the memo (workflows with the progress-memo patch): readable by `describe()` without a worker. */
  function publish(): void {
    if (progressMemo) upsertMemo({ progress: summarize(progress) });
  }
  /** Moves to `step`, stamping the (deterministic) workflow time on the progress. */
  function setStep(step: DeploymentProgress['step']): void {
    progress.step = step;
    progress.updatedAt = new Date().toISOString();
    publish();
  }
  setHandler(progressQuery, () => progress);

  if (verifiedIdentities) {
    setHandler(
      approveUpdate,
      async ({ credential, comment }) => {
        const approver = await identity.verifyIdentity({ workflowId, credential, purpose: 'approve' });
        await condition(() => progress.step !== 'validating' && progress.step !== 'opening_change');
        if (progress.step !== 'awaiting_approval' || requester === undefined || change === undefined) {
          throw ApplicationFailure.nonRetryable(`deployment ${workflowId} is not awaiting approval (step ${progress.step})`, 'ERR_WORKFLOW_STATE');
        }
        const verdict = await acts.authorizeApproval({ workflowId, requester, approver, changeNumber: change.number });
        // Four-eyes holds even if a policy bundle were misconfigured.
        const allowed = verdict.allowed && approver.id !== requester.id;
        if (approvalRecords && allowed) {
          // One decision per change: allowed approvers take turns; the first records its decision in its own
          // approval record on the change, the others answer with that decision (nothing more is written).
          const ticket = change;
          if (approvalTurns) {
            // Every waiter wakes in the same pass; the first to run takes the turn, the others wait again.
            while (recordingApproval) await condition(() => !recordingApproval);
          } else {
            await condition(() => !recordingApproval);
          }
          if (progress.approvedBy === undefined && stop === undefined && progress.step === 'awaiting_approval') {
            recordingApproval = true;
            try {
              await acts.recordApproval({ workflowId, change: ticket, requester, approver, decision: 'approved', ...(comment !== undefined ? { comment } : {}) });
            } finally {
              recordingApproval = false;
            }
            progress.approvedBy = approver.id;
            if (comment !== undefined) progress.approvalComment = comment;
          }
          const counted: ApprovalAttempt = { by: approver.id, allowed, reasons: verdict.reasons, ...(progress.approvedBy !== undefined ? { approvedBy: progress.approvedBy } : {}) };
          progress.approvals.push(counted);
          publish();
          return counted;
        }
        const attempt: ApprovalAttempt = { by: approver.id, allowed, reasons: verdict.reasons };
        progress.approvals.push(attempt);
        if (allowed && progress.approvedBy === undefined && stop === undefined && progress.step === 'awaiting_approval') {
          progress.approvedBy = approver.id;
          if (comment !== undefined) progress.approvalComment = comment;
        }
        publish();
        return attempt;
      },
      {
        validator: ({ credential, comment }) => {
          requireCredential(credential);
          if (comment !== undefined && (typeof comment !== 'string' || comment.length > 2000)) throw new TypeError('comment must be a string of at most 2000 characters');
          if (request.changeType === 'standard') throw ApplicationFailure.nonRetryable(`deployment ${workflowId} is a pre-approved standard change: there is nothing to approve`, 'ERR_WORKFLOW_STATE');
          if (progress.step !== 'awaiting_approval' && progress.step !== 'validating' && progress.step !== 'opening_change') {
            throw ApplicationFailure.nonRetryable(`deployment ${workflowId} is not awaiting approval (step ${progress.step})`, 'ERR_WORKFLOW_STATE');
          }
        },
      },
    );
    const stopHandler = (kind: 'rejected' | 'cancelled') => async ({ credential, reason }: StopUpdate): Promise<StopVerdict> => {
      const by = await identity.verifyIdentity({ workflowId, credential, purpose: kind === 'rejected' ? 'reject' : 'cancel' });
      // The requester is verified first thing; a stop that arrives earlier waits for it.
      await condition(() => requester !== undefined || !STOPPABLE.has(progress.step));
      if (requester === undefined || !STOPPABLE.has(progress.step)) {
        throw ApplicationFailure.nonRetryable(`deployment ${workflowId} can no longer be stopped (step ${progress.step})`, 'ERR_WORKFLOW_STATE');
      }
      const verdict = await acts.authorizeStop({ workflowId, kind, requester, by, ...(change ? { changeNumber: change.number } : {}) });
      if (!verdict.allowed) throw ApplicationFailure.nonRetryable(`${by.id} may not stop this deployment: ${verdict.reasons.join('; ')}`, 'ERR_AUTHZ_DENIED');
      stop ??= { kind, signal: { by, reason } };
      return { by: stop.signal.by.id, kind: stop.kind };
    };
    const stopValidator = ({ credential, reason }: StopUpdate): void => {
      requireCredential(credential);
      if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 2000) throw new TypeError('reason must be a non-blank string of at most 2000 characters');
      if (!STOPPABLE.has(progress.step)) throw ApplicationFailure.nonRetryable(`deployment ${workflowId} can no longer be stopped (step ${progress.step})`, 'ERR_WORKFLOW_STATE');
    };
    setHandler(
      respondUpdate,
      async ({ credential, inputId, decision }) => {
        const by = await identity.verifyIdentity({ workflowId, credential, purpose: 'respond' });
        // The question is the requester's: nobody answers it for them (the MCP policy says the same).
        if (requester === undefined || by.id !== requester.id) {
          throw ApplicationFailure.nonRetryable(`only the requester${requester ? ` (${requester.id})` : ''} answers this deployment's questions`, 'ERR_AUTHZ_DENIED');
        }
        if (progress.input?.id !== inputId || answer !== undefined) {
          throw ApplicationFailure.nonRetryable(`deployment ${workflowId} is not waiting for an answer to ${inputId}`, 'ERR_WORKFLOW_STATE');
        }
        answer = { by: by.id, inputId, decision };
        return answer;
      },
      {
        validator: ({ credential, inputId, decision }) => {
          requireCredential(credential);
          if (typeof inputId !== 'string' || inputId.length === 0 || inputId.length > 200) throw new TypeError('inputId must be the id of the question (progress.input.id)');
          if (decision !== 'continue' && decision !== 'rollback' && decision !== 'cancel') throw new TypeError('decision must be "continue", "rollback" or "cancel"');
          if (progress.input !== undefined && !progress.input.choices.includes(decision)) {
            throw new TypeError(`decision must be one of ${progress.input.choices.map((c) => `"${c}"`).join(', ')} for ${progress.input.id}`);
          }
          if (progress.input?.id !== inputId) throw ApplicationFailure.nonRetryable(`deployment ${workflowId} is not waiting for an answer to ${inputId}`, 'ERR_WORKFLOW_STATE');
        },
      },
    );
    setHandler(rejectUpdate, stopHandler('rejected'), { validator: stopValidator });
    setHandler(cancelUpdate, stopHandler('cancelled'), { validator: stopValidator });
  } else {
    setHandler(approveSignal, (s) => void pendingApprovals.push(s));
    setHandler(rejectSignal, (s) => void (stop ??= { kind: 'rejected', signal: s }));
    setHandler(cancelSignal, (s) => void (stop ??= { kind: 'cancelled', signal: s }));
  }
  const finish = async (outcome: DeploymentResult['outcome'], reason?: string): Promise<DeploymentResult> => {
    if (reason !== undefined) progress.reason = reason;
    setStep(outcome === 'succeeded' ? 'completed' : outcome);
    // Updates still verifying a credential answer before the workflow closes.
    if (verifiedIdentities) await condition(allHandlersFinished);
    return { outcome, progress };
  };

  /**
   * Asks the requester (`awaiting_input`) and waits for the `respond` Update, a stop, or the input
   * timeout; answers the decision (the question's `onTimeout` on timeout or stop), back at `resume`.
   */
  async function askRequester(
    question: Omit<InputRequest, 'choices' | 'onTimeout'> & Partial<Pick<InputRequest, 'choices' | 'onTimeout'>>,
    resume: DeploymentProgress['step'] = 'deploying',
  ): Promise<InputDecision> {
    const onTimeout = question.onTimeout ?? 'rollback';
    progress.input = { ...question, choices: question.choices ?? ['continue', 'rollback'], onTimeout };
    answer = undefined;
    setStep('awaiting_input');
    const answered = await condition(() => answer !== undefined || stop !== undefined, request.inputTimeoutMs ?? HOUR_MS);
    // `answer` is set by the respond Update while we wait: widen what control-flow analysis narrowed.
    const given = answered ? (answer as InputVerdict | undefined) : undefined;
    if (given !== undefined) (progress.answers ??= []).push(given);
    delete progress.input;
    answer = undefined;
    setStep(resume);
    return given?.decision ?? onTimeout;
  }

  // 0. who asks: the requester's credential, verified by the worker (never a name from the payload)
  if (verifiedIdentities) {
    if (typeof request.credential !== 'string' || request.credential === '') {
      throw ApplicationFailure.nonRetryable('a deployment is started with the requester\'s credential (request.credential); names in the payload are not accepted', 'ERR_TOKEN_MISSING');
    }
    requester = await identity.verifyIdentity({ workflowId, credential: request.credential, purpose: 'start' });
    progress.requester = requester.id;
    upsertMemo({ requester: requester.id });
    publish();
  }
  if (requester === undefined) throw ApplicationFailure.nonRetryable('the deployment has no requester', 'ERR_VALIDATION');
  const { credential: _credential, requester: _named, ...rest } = request;
  const verified: VerifiedRequest = { ...rest, requester: { id: requester.id, groups: [...requester.groups] } };

  // 1. validate (nothing to compensate yet: a failure fails the workflow)
  const { templateName, devices } = await acts.validateDeployment({ workflowId, request: verified });

  // 1b. a plan that touches CORE devices is confirmed by the requester first (task callers; only with verified identities)
  const cores = devices.filter((d) => d.role.toUpperCase() === 'CORE');
  if (verifiedIdentities && request.confirmCorePlan === true && cores.length > 0) {
    const decision = await askRequester(
      {
        id: 'core-plan',
        kind: 'core_plan',
        message: `This deployment of template "${templateName}" touches ${cores.length} CORE device(s): ${cores.map((d) => d.hostname).join(', ')} (of ${devices.length} in ${batches.length} batch(es)). Continue (open the change and ask for approval) or cancel?`,
        choices: ['continue', 'cancel'],
        onTimeout: 'cancel',
      },
      'validating',
    );
    const stopped = stop as { kind: 'rejected' | 'cancelled'; signal: StopSignal } | undefined;
    if (stopped !== undefined) return await finish(stopped.kind, `${stopped.kind} by ${stopped.signal.by.id}: ${stopped.signal.reason}`);
    if (decision !== 'continue') {
      return await finish('cancelled', progress.answers?.at(-1)?.inputId === 'core-plan' ? `${requester.id} cancelled the CORE plan` : 'CORE plan not confirmed in time');
    }
  }

  // 2. change request, linked to this workflow
  setStep('opening_change');
  change = await acts.openChange({ workflowId, request: verified, templateName, devices });
  progress.change = change;

  // 3. four-eyes approval, bounded by the approval timeout — or none: a standard change is pre-approved
  //    (the worker authorized the requester as for a direct deploy_template while validating).
  //    Workflows started before `changeType` existed have none, so they take the four-eyes branch on replay.
  if (request.changeType === 'standard') {
    progress.changeType = 'standard';
    if (stop !== undefined) {
      // Stopped while the change was being opened: nothing was deployed, the change is cancelled.
      const reason = `${stop.kind} by ${stop.signal.by.id}: ${stop.signal.reason}`;
      await acts.cancelChange({ workflowId, change, reason: `Deployment ${reason}` });
      return await finish(stop.kind, reason);
    }
    await acts.moveChange({ workflowId, change, to: 'implement', note: `Standard change, pre-approved: ${requester.id} may deploy this template to these devices by policy (deploy_template); deploying (workflow ${workflowId})` });
  } else {
    setStep('awaiting_approval');
    const deadline = Date.now() + (request.approvalTimeoutMs ?? DAY_MS);
    while (progress.approvedBy === undefined) {
      const remaining = deadline - Date.now();
      const woke = remaining > 0 && (await condition(() => pendingApprovals.length > 0 || stop !== undefined || progress.approvedBy !== undefined, remaining));
      if (!woke) {
        const reason = `no approval within ${Math.round((request.approvalTimeoutMs ?? DAY_MS) / 1000)} s`;
        await acts.cancelChange({ workflowId, change, reason: `Cancelled: ${reason}` });
        return await finish('cancelled', reason);
      }
      if (stop !== undefined) {
        const reason = `${stop.kind} by ${stop.signal.by.id}: ${stop.signal.reason}`;
        if (approvalRecords && stop.kind === 'rejected') {
          // The rejection goes on the change as ServiceNow records it (the rejecter's approval record; the change
          // goes back to New), then the deployment cancels it. A rejecter without an approval record there
          // (or a change decided meanwhile) still stops the deployment: the cancel below says who and why.
          await acts.recordApproval({ workflowId, change, requester, approver: stop.signal.by, decision: 'rejected', comment: stop.signal.reason }).catch(() => undefined);
        }
        await acts.cancelChange({ workflowId, change, reason: `Deployment ${reason}` });
        return await finish(stop.kind, reason);
      }
      if (verifiedIdentities) continue; // the approve Update recorded its verdict itself
      const attempt = pendingApprovals.shift() as ApproveSignal;
      const verdict = await acts.authorizeApproval({ workflowId, requester, approver: attempt.approver, changeNumber: change.number });
      // Four-eyes holds even if a policy bundle were misconfigured.
      const allowed = verdict.allowed && attempt.approver.id !== requester.id;
      progress.approvals.push({ by: attempt.approver.id, allowed, reasons: verdict.reasons });
      if (allowed) progress.approvedBy = attempt.approver.id;
    }
    // With the approval-records patch the approval was recorded by the approve Update (the change is Scheduled);
    // older workflows record it here, on the way out of Authorize (approvedBy).
    await acts.moveChange({ workflowId, change, to: 'implement', note: `Approved by ${progress.approvedBy}; deploying (workflow ${workflowId})`, approvedBy: progress.approvedBy });
  }

  // 4. deploy in batches; 5. verify
  setStep('deploying');
  const done: { index: number; result: BatchResult }[] = [];
  let failure: string | undefined;
  let failedCount = 0;
  // How many failed devices are tolerated: the threshold, raised when the requester chooses to continue.
  let tolerated = failureThreshold;
  for (const [index, ids] of batches.entries()) {
    if (stop !== undefined) {
      failure = `${stop.kind} by ${stop.signal.by.id} during deploy: ${stop.signal.reason}`;
      break;
    }
    for (const id of ids) progress.devices[id] = { status: 'deploying', batch: index };
    let result: BatchResult;
    try {
      result = await deploy.deployBatch({
        workflowId,
        batchIndex: index,
        purpose: 'deploy',
        templateId: request.templateId,
        deviceIds: ids,
        params: request.params,
        pollIntervalMs: request.pollIntervalMs ?? 2000,
        ...(request.forcePush === true ? { forcePush: true } : {}),
      });
    } catch (err) {
      for (const id of ids) progress.devices[id] = { status: 'failed', batch: index, detail: (err as Error).message };
      failure = `batch ${index} could not be deployed: ${(err as Error).message}`;
      break;
    }
    done.push({ index, result });
    for (const d of result.devices) progress.devices[d.deviceId] = { status: d.ok ? 'deployed' : 'failed', batch: index, detail: d.detail };
    progress.batchesDone = index + 1;
    progress.updatedAt = new Date().toISOString();
    publish();
    failedCount += result.devices.filter((d) => !d.ok).length;
    if (failedCount > tolerated) {
      failure = `${failedCount} device(s) failed, more than the threshold of ${tolerated}`;
      // Only workflows with verified identities can tell the requester's answer from anyone else's.
      if (verifiedIdentities && request.onBatchFailure === 'ask') {
        const remaining = batches.length - index - 1;
        const decision = await askRequester({
          id: `batch-${index}-failed`,
          kind: 'batch_failure',
          message: `${failure} after batch ${index + 1} of ${batches.length}. Continue with the ${remaining} remaining batch(es)${remaining === 0 ? ' (verify and close the change)' : ''}, or roll back what was deployed?`,
        });
        // A stop Update may have arrived while we waited (widen what control-flow analysis narrowed).
        const stopped = stop as { kind: 'rejected' | 'cancelled'; signal: StopSignal } | undefined;
        if (stopped !== undefined) {
          failure = `${stopped.kind} by ${stopped.signal.by.id} during deploy: ${stopped.signal.reason}`;
          break;
        }
        if (decision === 'continue') {
          tolerated = failedCount + failureThreshold;
          failure = undefined;
          continue;
        }
        failure = `${failure}; ${progress.answers?.at(-1)?.inputId === `batch-${index}-failed` ? `${requester.id} chose to roll back` : 'no answer in time: rolled back'}`;
      }
      break;
    }
  }
  if (failure === undefined) {
    setStep('verifying');
    const deployments = done
      .filter(({ result }) => result.deploymentId !== null)
      .map(({ result }) => ({ deploymentId: result.deploymentId as string, deviceIds: result.devices.filter((d) => d.ok).map((d) => d.deviceId) }));
    const verification = await acts.verifyDeployment({ workflowId, deployments });
    for (const id of verification.verified) progress.devices[id] = { ...progress.devices[id], status: 'verified' };
    for (const f of verification.failed) progress.devices[f.deviceId] = { ...progress.devices[f.deviceId], status: 'failed', detail: f.detail };
    failedCount += verification.failed.length;
    if (failedCount > tolerated) failure = `verification failed on ${verification.failed.length} device(s)`;
  }

  // 6a. success
  if (failure === undefined) {
    setStep('closing_change');
    const issues = failedCount > 0;
    await acts.closeChange({
      workflowId,
      change,
      code: issues ? 'successful_issues' : 'successful',
      notes: `Deployed and verified on ${request.deviceIds.length - failedCount} of ${request.deviceIds.length} device(s) by workflow ${workflowId}.`,
    });
    return await finish('succeeded');
  }

  // 6b. compensate in reverse order: roll back deployed batches, record on the change, close it, open an incident.
  setStep('rolling_back');
  const rollbackNotes: string[] = [];
  for (const { index, result } of [...done].reverse()) {
    const deployed = result.devices.filter((d) => d.ok).map((d) => d.deviceId);
    if (deployed.length === 0) continue;
    if (request.rollback === undefined) {
      for (const id of deployed) progress.devices[id] = { ...progress.devices[id], status: 'not_rolled_back', detail: 'no rollback template: restore manually' };
      rollbackNotes.push(`batch ${index}: no rollback template given; restore manually: ${deployed.join(', ')}`);
      continue;
    }
    try {
      const rb = await deploy.deployBatch({ workflowId, batchIndex: index, purpose: 'rollback', templateId: request.rollback.templateId, deviceIds: deployed, params: request.rollback.params, pollIntervalMs: request.pollIntervalMs ?? 2000 });
      for (const d of rb.devices) progress.devices[d.deviceId] = { ...progress.devices[d.deviceId], status: d.ok ? 'rolled_back' : 'rollback_failed', detail: d.detail };
      rollbackNotes.push(`batch ${index}: rolled back ${rb.devices.filter((d) => d.ok).length}/${deployed.length} device(s) with template ${request.rollback.templateId} (task ${rb.taskId})`);
    } catch (err) {
      for (const id of deployed) progress.devices[id] = { ...progress.devices[id], status: 'rollback_failed', detail: (err as Error).message };
      rollbackNotes.push(`batch ${index}: rollback failed: ${(err as Error).message}`);
    }
  }
  const summary = `Deployment failed: ${failure}.\n${rollbackNotes.length > 0 ? rollbackNotes.join('\n') : 'Nothing had been deployed; nothing to roll back.'}`;
  await acts.addWorkNote({ workflowId, change, note: summary });
  await acts.closeChange({ workflowId, change, code: 'unsuccessful', notes: summary });
  progress.incident = await acts.openIncident({ workflowId, change, summary: `Template deployment failed (change ${change.number})`, description: summary });
  return await finish('rolled_back', failure);
}
