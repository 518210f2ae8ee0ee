import { randomUUID } from 'node:crypto';
import type { Client, WorkflowExecutionStatusName } from '@temporalio/client';
import { approveSignal, cancelSignal, progressQuery, rejectSignal } from './workflows/template-deployment.ts';
import { DEPLOYMENT_WORKFLOW_TYPE, type ApprovalAttempt, type DeploymentProgress, type DeploymentRequest, type DeploymentResult, type Identity } from './types.ts';

export { connectClient } from './connection.ts';
export { temporalEnv, temporalRules, type TemporalConfig } from './config.ts';
export * from './types.ts';

/** A deployment as operators see it. */
export interface DeploymentStatusView {
  workflowId: string;
  status: WorkflowExecutionStatusName;
  progress: DeploymentProgress | null;
  result: DeploymentResult | null;
}

/**
 * Operator and agent entry points over a Temporal client: start, approve, reject, cancel, status, list.
 *
 * @example
 * ```ts
 * const deployments = createDeploymentClient(await connectClient(config), config.TEMPORAL_TASK_QUEUE);
 * const id = await deployments.start(request);
 * await deployments.approve(id, { id: 'alice', groups: ['admin'] });
 * ```
 */
export function createDeploymentClient(client: Client, taskQueue: string) {
  const handle = (workflowId: string) => client.workflow.getHandle(workflowId);
  return {
    /** Starts a deployment; returns its workflow id (`deploy-<uuid>` unless given). */
    async start(request: DeploymentRequest, options: { workflowId?: string } = {}): Promise<string> {
      const workflowId = options.workflowId ?? `deploy-${randomUUID()}`;
      await client.workflow.start(DEPLOYMENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId,
        args: [request],
        memo: { requester: request.requester.id, templateId: request.templateId, devices: request.deviceIds.length },
      });
      return workflowId;
    },

    /**
     * Sends an approval and waits (up to `timeoutMs`, default 30000) for the workflow's verdict on it:
     * the four-eyes policy check runs inside the workflow. Throws when the deployment is past approval.
     */
    async approve(workflowId: string, approver: Identity, options: { comment?: string; timeoutMs?: number } = {}): Promise<ApprovalAttempt> {
      const h = handle(workflowId);
      const current = await h.query(progressQuery);
      if (!['validating', 'opening_change', 'awaiting_approval'].includes(current.step)) {
        throw new Error(`deployment ${workflowId} is not awaiting approval (step ${current.step})`);
      }
      const before = current.approvals.length;
      await h.signal(approveSignal, { approver, ...(options.comment ? { comment: options.comment } : {}) });
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      for (;;) {
        const progress = await h.query(progressQuery);
        const verdict = progress.approvals.slice(before).find((a) => a.by === approver.id);
        if (verdict) return verdict;
        if (Date.now() > deadline) throw new Error(`no verdict on the approval of ${workflowId} within ${options.timeoutMs ?? 30_000} ms (step ${progress.step})`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },

    async reject(workflowId: string, by: Identity, reason: string): Promise<void> {
      await handle(workflowId).signal(rejectSignal, { by, reason });
    },

    async cancel(workflowId: string, by: Identity, reason: string): Promise<void> {
      await handle(workflowId).signal(cancelSignal, { by, reason });
    },

    async status(workflowId: string): Promise<DeploymentStatusView> {
      const h = handle(workflowId);
      const description = await h.describe();
      const status = description.status.name;
      let result: DeploymentResult | null = null;
      if (status === 'COMPLETED') result = (await h.result()) as DeploymentResult;
      let progress: DeploymentProgress | null = result?.progress ?? null;
      if (progress === null && status === 'RUNNING') progress = await h.query(progressQuery);
      return { workflowId, status, progress, result };
    },

    /** The most recent deployments (newest first), `limit` default 20. */
    async list(options: { limit?: number } = {}): Promise<{ workflowId: string; status: WorkflowExecutionStatusName; startTime: string; requester: string }[]> {
      const out: { workflowId: string; status: WorkflowExecutionStatusName; startTime: string; requester: string }[] = [];
      for await (const wf of client.workflow.list({ query: `WorkflowType = '${DEPLOYMENT_WORKFLOW_TYPE}'` })) {
        out.push({ workflowId: wf.workflowId, status: wf.status.name, startTime: wf.startTime.toISOString(), requester: String(wf.memo?.['requester'] ?? '') });
        if (out.length >= (options.limit ?? 20)) break;
      }
      return out;
    },

    /** Closes the underlying Temporal connection. */
    close: (): Promise<void> => client.connection.close(),

    /** Waits for the workflow's result. */
    result: (workflowId: string): Promise<DeploymentResult> => handle(workflowId).result() as Promise<DeploymentResult>,
  };
}

export type DeploymentClient = ReturnType<typeof createDeploymentClient>;
