/**
 * The template deployment workflow (deterministic: Temporal APIs, plain data
 * and type-only imports of the activities; lint forbids Node built-ins and I/O
 * packages here).
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BatchResult, DeploymentActivities, TicketRef } from '../activities/index.ts';
import type { ApproveSignal, DeploymentProgress, DeploymentRequest, DeploymentResult, StopSignal } from '../types.ts';

export const progressQuery = defineQuery<DeploymentProgress>('progress');
export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const rejectSignal = defineSignal<[StopSignal]>('reject');
export const cancelSignal = defineSignal<[StopSignal]>('cancel');

const DAY_MS = 86_400_000;

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * validate → open change (correlation id = workflow id) → wait for a four-eyes
 * approval → deploy in batches (failure threshold) → verify → close change;
 * on failure roll back deployed batches in reverse order, record it on the
 * change, close it unsuccessful and open an incident.
 */
export async function templateDeploymentWorkflow(request: DeploymentRequest): Promise<DeploymentResult> {
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

  const progress: DeploymentProgress = {
    step: 'validating',
    requester: request.requester.id,
    templateId: request.templateId,
    approvals: [],
    batchesTotal: batches.length,
    batchesDone: 0,
    devices: Object.fromEntries(request.deviceIds.map((id) => [id, { status: 'pending' as const }])),
  };
  const pendingApprovals: ApproveSignal[] = [];
  let stop: { kind: 'rejected' | 'cancelled'; signal: StopSignal } | undefined;
  setHandler(progressQuery, () => progress);
  setHandler(approveSignal, (s) => void pendingApprovals.push(s));
  setHandler(rejectSignal, (s) => void (stop ??= { kind: 'rejected', signal: s }));
  setHandler(cancelSignal, (s) => void (stop ??= { kind: 'cancelled', signal: s }));
  const finish = (outcome: DeploymentResult['outcome'], reason?: string): DeploymentResult => {
    if (reason !== undefined) progress.reason = reason;
    progress.step = outcome === 'succeeded' ? 'completed' : outcome;
    return { outcome, progress };
  };

  // 1. validate (nothing to compensate yet: a failure fails the workflow)
  const { templateName, devices } = await acts.validateDeployment({ workflowId, request });

  // 2. change request, linked to this workflow
  progress.step = 'opening_change';
  const change: TicketRef = await acts.openChange({ workflowId, request, templateName, devices });
  progress.change = change;

  // 3. four-eyes approval, bounded by the approval timeout
  progress.step = 'awaiting_approval';
  const deadline = Date.now() + (request.approvalTimeoutMs ?? DAY_MS);
  while (progress.approvedBy === undefined) {
    const remaining = deadline - Date.now();
    const woke = remaining > 0 && (await condition(() => pendingApprovals.length > 0 || stop !== undefined, remaining));
    if (!woke) {
      const reason = `no approval within ${Math.round((request.approvalTimeoutMs ?? DAY_MS) / 1000)} s`;
      await acts.cancelChange({ workflowId, change, reason: `Cancelled: ${reason}` });
      return finish('cancelled', reason);
    }
    if (stop !== undefined) {
      const reason = `${stop.kind} by ${stop.signal.by.id}: ${stop.signal.reason}`;
      await acts.cancelChange({ workflowId, change, reason: `Deployment ${reason}` });
      return finish(stop.kind, reason);
    }
    const attempt = pendingApprovals.shift() as ApproveSignal;
    const verdict = await acts.authorizeApproval({ workflowId, requester: request.requester, approver: attempt.approver, changeNumber: change.number });
    // Four-eyes holds even if a policy bundle were misconfigured.
    const allowed = verdict.allowed && attempt.approver.id !== request.requester.id;
    progress.approvals.push({ by: attempt.approver.id, allowed, reasons: verdict.reasons });
    if (allowed) progress.approvedBy = attempt.approver.id;
  }
  await acts.moveChange({ workflowId, change, to: 'implement', note: `Approved by ${progress.approvedBy}; deploying (workflow ${workflowId})` });

  // 4. deploy in batches; 5. verify
  progress.step = 'deploying';
  const done: { index: number; result: BatchResult }[] = [];
  let failure: string | undefined;
  let failedCount = 0;
  for (const [index, ids] of batches.entries()) {
    if (stop !== undefined) {
      failure = `${stop.kind} by ${stop.signal.by.id} during deploy: ${stop.signal.reason}`;
      break;
    }
    for (const id of ids) progress.devices[id] = { status: 'deploying', batch: index };
    let result: BatchResult;
    try {
      result = await deploy.deployBatch({ workflowId, batchIndex: index, purpose: 'deploy', templateId: request.templateId, deviceIds: ids, params: request.params, pollIntervalMs: request.pollIntervalMs ?? 2000 });
    } catch (err) {
      for (const id of ids) progress.devices[id] = { status: 'failed', batch: index, detail: (err as Error).message };
      failure = `batch ${index} could not be deployed: ${(err as Error).message}`;
      break;
    }
    done.push({ index, result });
    for (const d of result.devices) progress.devices[d.deviceId] = { status: d.ok ? 'deployed' : 'failed', batch: index, detail: d.detail };
    progress.batchesDone = index + 1;
    failedCount += result.devices.filter((d) => !d.ok).length;
    if (failedCount > failureThreshold) {
      failure = `${failedCount} device(s) failed, more than the threshold of ${failureThreshold}`;
      break;
    }
  }
  if (failure === undefined) {
    progress.step = 'verifying';
    const deployments = done
      .filter(({ result }) => result.deploymentId !== null)
      .map(({ result }) => ({ deploymentId: result.deploymentId as string, deviceIds: result.devices.filter((d) => d.ok).map((d) => d.deviceId) }));
    const verification = await acts.verifyDeployment({ workflowId, deployments });
    for (const id of verification.verified) progress.devices[id] = { ...progress.devices[id], status: 'verified' };
    for (const f of verification.failed) progress.devices[f.deviceId] = { ...progress.devices[f.deviceId], status: 'failed', detail: f.detail };
    failedCount += verification.failed.length;
    if (failedCount > failureThreshold) failure = `verification failed on ${verification.failed.length} device(s)`;
  }

  // 6a. success
  if (failure === undefined) {
    progress.step = 'closing_change';
    const issues = failedCount > 0;
    await acts.closeChange({
      workflowId,
      change,
      code: issues ? 'successful_issues' : 'successful',
      notes: `Deployed and verified on ${request.deviceIds.length - failedCount} of ${request.deviceIds.length} device(s) by workflow ${workflowId}.`,
    });
    return finish('succeeded');
  }

  // 6b. compensate in reverse order: roll back deployed batches, record on the change, close it, open an incident.
  progress.step = 'rolling_back';
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
  return finish('rolled_back', failure);
}
