import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { checkTemplateParams, deploymentIdFromTask, type CatalystCenterClient, type Task } from '@mcp-platform/connectors/catalyst-center';
import { policyInputFor, type Authorizer, type PolicyInput, type ToolAction } from '@mcp-platform/mcp-common/authz';
import type { AuditLogger, Logger } from '@mcp-platform/mcp-common/logging';
import { DEFAULT_STANDARD_CHANGE_TEMPLATE, type Identity, type TemplateParams, type VerifiedRequest } from '@mcp-platform/deployment-contract';
import type { ApprovalRecord, ChangeManagement, ChangeStage, TicketRef } from './change-management.ts';
import type { IdentityActivities } from './identity.ts';

export type { ApprovalRecord, ChangeManagement, ChangeStage, TicketRef } from './change-management.ts';
export { createIdentityActivities, type CredentialPurpose, type IdentityActivities, type IdentityDeps } from './identity.ts';
export { createServiceNowChangeManagement } from './change-management.ts';

/** What the activities are built from (injected; nothing is constructed here). */
export interface ActivityDeps {
  catalyst: CatalystCenterClient;
  itsm: ChangeManagement;
  authorizer: Authorizer;
  logger: Logger & AuditLogger;
  /** The standard-change template (`std_change_producer_version`) pre-approved deployments are raised from. Default {@link DEFAULT_STANDARD_CHANGE_TEMPLATE}. */
  standardChangeTemplate?: string;
}

/** Groups whose members may approve a deployment (besides the policy's own check). */
export const APPROVER_GROUPS = ['admin', 'change-approvers'] as const;

export interface DeviceTarget {
  id: string;
  hostname: string;
  role: string;
}

export interface BatchInput {
  workflowId: string;
  batchIndex: number;
  purpose: 'deploy' | 'rollback';
  templateId: string;
  deviceIds: string[];
  params: TemplateParams;
  /** Delay between Catalyst task polls, in ms. */
  pollIntervalMs: number;
  /** Catalyst's `forcePushTemplate` (deploy only). Default false. */
  forcePush?: boolean;
}

export interface BatchResult {
  taskId: string;
  deploymentId: string | null;
  devices: { deviceId: string; ok: boolean; detail: string }[];
  /** True when this attempt found a task of an earlier attempt (after a crash) and followed it instead of deploying again. */
  resumed: boolean;
}

/** Heartbeat details of {@link DeploymentActivities.deployBatch}: the Catalyst task already started for this batch. */
interface BatchHeartbeat {
  taskId: string;
}

const BUSINESS_STATUSES = new Set([400, 403, 404, 409, 422]);

/** Upstream 4xx answers are business failures (non-retryable); everything else is left to Temporal's retries. */
function classify(err: unknown, what: string): never {
  const e = err as { code?: string; status?: number; message?: string };
  if (e && typeof e.status === 'number' && BUSINESS_STATUSES.has(e.status)) {
    throw ApplicationFailure.nonRetryable(`${what}: ${e.message ?? 'rejected'}`, e.code ?? 'UPSTREAM_REJECTED');
  }
  if (e && (e.code === 'ERR_UPSTREAM_NOT_FOUND' || e.code === 'ERR_UPSTREAM_REJECTED' || e.code === 'ERR_VALIDATION' || e.code === 'ERR_UPSTREAM_INVALID_RESPONSE' || e.code === 'ERR_WORKFLOW_STATE')) {
    throw ApplicationFailure.nonRetryable(`${what}: ${e.message ?? 'rejected'}`, e.code);
  }
  throw err;
}

/** A workflow step's question to the policy: the verified person as subject, the workflow id as request id. */
function policyInput(subject: Identity, tool: string, action: ToolAction, server: string, workflowId: string, args: Record<string, unknown>, resource?: Record<string, unknown>): PolicyInput {
  return policyInputFor({ subject: { id: subject.id, groups: subject.groups, scopes: ['mcp:tools'], clientId: 'deploy-worker' }, server, tool, action, arguments: args, resource, requestId: workflowId });
}

/**
 * The deployment activities, built from injected clients. Idempotent:
 * tickets are created with the workflow id as correlation id, change moves
 * are no-ops when already done, and a batch's Catalyst task id is persisted
 * in the activity's heartbeat details so that a retry after a worker crash
 * follows the running task instead of deploying again.
 *
 * @example
 * ```ts
 * const worker = await Worker.create({ activities: createActivities({ catalyst, itsm, authorizer, logger }), … });
 * ```
 */
export function createActivities(deps: ActivityDeps) {
  const { catalyst, itsm, authorizer, logger } = deps;
  const standardTemplate = deps.standardChangeTemplate ?? DEFAULT_STANDARD_CHANGE_TEMPLATE;
  const audit = (workflowId: string, action: string, outcome: 'success' | 'failure', fields: Record<string, unknown> = {}, reason?: string): void => {
    const { labels, ...rest } = fields as { labels?: Record<string, unknown> };
    logger.audit({
      action: `deployment-${action}`,
      category: ['configuration'],
      type: ['change'],
      outcome,
      ...(reason !== undefined ? { reason } : {}),
      fields: { ...rest, labels: { workflow_id: workflowId, ...labels } },
    });
  };

  return {
    /** Template exists, params complete, devices exist and are reachable, requester may execute. */
    async validateDeployment(input: { workflowId: string; request: VerifiedRequest }): Promise<{ templateName: string; devices: DeviceTarget[] }> {
      const { workflowId, request } = input;
      const user = { id: request.requester.id };
      let template;
      try {
        template = await catalyst.getTemplate(request.templateId);
      } catch (err) {
        classify(err, `template ${request.templateId}`);
      }
      // The same typed check as the MCP tools (declared data types, ranges, pick lists, no newlines or
      // control characters): a workflow started from the CLI or an old client gets no less.
      const problems: string[] = checkTemplateParams(template, request.params);
      if (request.rollback !== undefined) {
        const rollbackTemplate =
          request.rollback.templateId === request.templateId
            ? template
            : await catalyst.getTemplate(request.rollback.templateId).catch((err: unknown) => classify(err, `rollback template ${request.rollback?.templateId ?? ''}`));
        problems.push(...checkTemplateParams(rollbackTemplate, request.rollback.params, 'rollback.params'));
      }
      const found = await catalyst.listDevices({ id: request.deviceIds, limit: Math.min(500, request.deviceIds.length) }).catch((err: unknown) => classify(err, 'devices'));
      const byId = new Map(found.map((d) => [d.id, d]));
      const absent = request.deviceIds.filter((id) => !byId.has(id));
      if (absent.length > 0) problems.push(`unknown device(s): ${absent.join(', ')}`);
      const unreachable = found.filter((d) => d.reachabilityStatus !== 'Reachable').map((d) => d.hostname ?? d.id);
      if (unreachable.length > 0) problems.push(`unreachable device(s): ${unreachable.join(', ')}`);
      const devices = request.deviceIds.filter((id) => byId.has(id)).map((id) => {
        const d = byId.get(id)!;
        return { id, hostname: d.hostname ?? id, role: d.role ?? 'UNKNOWN' };
      });
      if (problems.length > 0) {
        audit(workflowId, 'validate', 'failure', { user }, problems.join('; '));
        throw ApplicationFailure.nonRetryable(`deployment request is invalid: ${problems.join('; ')}`, 'ERR_VALIDATION');
      }
      // The policy sees the change type: a standard change skips four-eyes, so it has rules of its own (deploy.rego: no CORE devices).
      const args = {
        template_id: request.templateId,
        device_ids: request.deviceIds,
        change_type: request.changeType ?? 'normal',
        ...(request.changeType === 'standard' ? { standard_template: standardTemplate } : {}),
      };
      const decision = await authorizer.decide(policyInput(request.requester, 'template_deployment_workflow', 'execute', 'network', workflowId, args, { devices }));
      if (!decision.allow) {
        if (decision.error) throw new Error('policy engine unavailable'); // transient: retried
        audit(workflowId, 'validate', 'failure', { user }, decision.reasons.join('; '));
        throw ApplicationFailure.nonRetryable(`${request.requester.id} may not run this deployment: ${decision.reasons.join('; ')}`, 'ERR_AUTHZ_DENIED');
      }
      audit(workflowId, 'validate', 'success', { user, labels: { template_id: request.templateId, device_count: devices.length } });
      return { templateName: template.name, devices };
    },

    /** Four-eyes: the approver is someone else and the policy lets them approve. Denials are answers, not failures. */
    async authorizeApproval(input: { workflowId: string; requester: Identity; approver: Identity; changeNumber: string }): Promise<{ allowed: boolean; reasons: string[] }> {
      const { workflowId, requester, approver } = input;
      const reasons: string[] = [];
      if (approver.id === requester.id) reasons.push('four-eyes: the requester cannot approve their own deployment');
      if (!approver.groups.some((g) => (APPROVER_GROUPS as readonly string[]).includes(g))) reasons.push(`approver must be in group ${APPROVER_GROUPS.join(' or ')}`);
      const decision = await authorizer.decide(
        policyInput(approver, 'approve_deployment', 'write', 'itsm', workflowId, { workflow_id: workflowId, change: input.changeNumber }, { requester: requester.id }),
      );
      if (decision.error) throw new Error('policy engine unavailable'); // transient: retried
      if (!decision.allow) reasons.push(...decision.reasons);
      const allowed = reasons.length === 0;
      audit(workflowId, 'approval', allowed ? 'success' : 'failure', { user: { id: approver.id }, labels: { requester: requester.id, change: input.changeNumber } }, allowed ? undefined : reasons.join('; '));
      return { allowed, reasons: [...new Set(reasons)].sort() };
    },

    /**
     * Who may stop a deployment: its requester may cancel it; anyone else (and any reject) needs
     * what an approval needs — the policy's `approve_deployment` decision. Denials are answers.
     */
    async authorizeStop(input: { workflowId: string; kind: 'rejected' | 'cancelled'; requester: Identity; by: Identity; changeNumber?: string }): Promise<{ allowed: boolean; reasons: string[] }> {
      const { workflowId, requester, by, kind } = input;
      if (kind === 'cancelled' && by.id === requester.id) {
        audit(workflowId, 'stop-authorized', 'success', { user: { id: by.id }, labels: { kind, requester: requester.id } });
        return { allowed: true, reasons: [] };
      }
      const decision = await authorizer.decide(
        policyInput(by, 'approve_deployment', 'write', 'itsm', workflowId, { workflow_id: workflowId, ...(input.changeNumber ? { change: input.changeNumber } : {}) }, { requester: requester.id }),
      );
      if (decision.error) throw new Error('policy engine unavailable'); // transient: retried
      const reasons = decision.allow ? [] : [...new Set(decision.reasons)].sort();
      audit(workflowId, 'stop-authorized', decision.allow ? 'success' : 'failure', { user: { id: by.id }, labels: { kind, requester: requester.id } }, decision.allow ? undefined : reasons.join('; '));
      return { allowed: decision.allow, reasons };
    },

    async openChange(input: { workflowId: string; request: VerifiedRequest; templateName: string; devices: DeviceTarget[] }): Promise<TicketRef> {
      const { workflowId, request } = input;
      const change = await itsm
        .openChange({
          correlationId: workflowId,
          shortDescription: `Deploy template "${input.templateName}" to ${input.devices.length} device(s)`,
          description: [
            `Temporal workflow: ${workflowId}`,
            `Template: ${input.templateName} (${request.templateId})`,
            `Devices: ${input.devices.map((d) => `${d.hostname} [${d.role}]`).join(', ')}`,
            ...(request.reason ? [`Reason: ${request.reason}`] : []),
          ].join('\n'),
          requestedBy: request.requester.id,
          type: request.changeType ?? 'normal',
          ...(request.changeType === 'standard' ? { standardTemplate } : {}),
        })
        .catch((err: unknown) => classify(err, 'open change'));
      // A standard change is pre-approved: it has no authorize state and waits for nobody.
      if (request.changeType !== 'standard') {
        await itsm.moveChange(change.sysId, 'authorize', 'Awaiting four-eyes approval of the deployment').catch((err: unknown) => classify(err, 'move change'));
      }
      audit(workflowId, 'change-opened', 'success', { user: { id: request.requester.id }, labels: { change: change.number, created: change.created } });
      return { sysId: change.sysId, number: change.number };
    },

    /**
     * Records the approver's decision on the deployment's change in the approver's own approval
     * record (ServiceNow `sysapproval_approver`), then reads the change's state. Idempotent: a retry
     * finds its decision and writes nothing. Four eyes hold here too (the requester never decides),
     * and a change decided outside this deployment (someone else's decision) is refused
     * (`ERR_WORKFLOW_STATE`), never taken for this approver's.
     */
    async recordApproval(input: { workflowId: string; change: TicketRef; requester: Identity; approver: Identity; decision: 'approved' | 'rejected'; comment?: string }): Promise<ApprovalRecord> {
      const { workflowId, change, approver } = input;
      if (approver.id === input.requester.id) throw ApplicationFailure.nonRetryable('four-eyes: the requester cannot decide on their own deployment', 'ERR_AUTHZ_DENIED');
      const record = await itsm
        .decideApproval(change.sysId, { approver: approver.id, decision: input.decision, ...(input.comment !== undefined ? { comment: input.comment } : {}) })
        .catch((err: unknown) => classify(err, `${input.decision === 'approved' ? 'approve' : 'reject'} change ${change.number}`));
      if (record.approver !== approver.id || record.decision !== input.decision) {
        audit(workflowId, 'approval-recorded', 'failure', { user: { id: approver.id }, labels: { change: change.number } }, `already ${record.decision} by ${record.approver}`);
        throw ApplicationFailure.nonRetryable(`change ${change.number} was already ${record.decision} by ${record.approver} outside this deployment`, 'ERR_WORKFLOW_STATE');
      }
      audit(workflowId, 'approval-recorded', 'success', { user: { id: approver.id }, labels: { change: change.number, decision: record.decision, recorded: record.recorded, change_state: record.changeState } });
      return record;
    },

    async moveChange(input: { workflowId: string; change: TicketRef; to: ChangeStage; note?: string; approvedBy?: string }): Promise<void> {
      await itsm.moveChange(input.change.sysId, input.to, input.note, input.approvedBy).catch((err: unknown) => classify(err, 'move change'));
      audit(input.workflowId, 'change-moved', 'success', { labels: { change: input.change.number, state: input.to } });
    },

    async addWorkNote(input: { workflowId: string; change: TicketRef; note: string }): Promise<void> {
      await itsm.addWorkNote(input.change.sysId, input.note).catch((err: unknown) => classify(err, 'work note'));
      audit(input.workflowId, 'change-noted', 'success', { labels: { change: input.change.number } });
    },

    async closeChange(input: { workflowId: string; change: TicketRef; code: 'successful' | 'successful_issues' | 'unsuccessful'; notes: string }): Promise<void> {
      await itsm.closeChange(input.change.sysId, input.code, input.notes).catch((err: unknown) => classify(err, 'close change'));
      audit(input.workflowId, 'change-closed', input.code === 'unsuccessful' ? 'failure' : 'success', { labels: { change: input.change.number, close_code: input.code } });
    },

    async cancelChange(input: { workflowId: string; change: TicketRef; reason: string }): Promise<void> {
      await itsm.cancelChange(input.change.sysId, input.reason).catch((err: unknown) => classify(err, 'cancel change'));
      audit(input.workflowId, 'change-cancelled', 'success', { labels: { change: input.change.number } }, input.reason);
    },

    async openIncident(input: { workflowId: string; change: TicketRef; summary: string; description: string }): Promise<TicketRef> {
      const incident = await itsm
        .openIncident({ correlationId: `${input.workflowId}/incident`, shortDescription: input.summary, description: `${input.description}\nChange: ${input.change.number}\nTemporal workflow: ${input.workflowId}` })
        .catch((err: unknown) => classify(err, 'open incident'));
      audit(input.workflowId, 'incident-opened', 'success', { labels: { incident: incident.number, change: input.change.number } });
      return { sysId: incident.sysId, number: incident.number };
    },

    /**
     * Deploys one batch (or its rollback) and follows the Catalyst task to the end, heartbeating
     * the task id. A retry finds the task id in the heartbeat details and only follows it.
     */
    async deployBatch(input: BatchInput): Promise<BatchResult> {
      const ctx = Context.current();
      const labels = { batch: input.batchIndex, purpose: input.purpose, template_id: input.templateId };
      const prior = ctx.info.heartbeatDetails as BatchHeartbeat | undefined;
      let taskId = prior?.taskId;
      const resumed = taskId !== undefined;
      if (taskId === undefined) {
        try {
          const ref = await catalyst.deployTemplate(
            { templateId: input.templateId, forcePushTemplate: input.forcePush ?? false, targetInfo: input.deviceIds.map((id) => ({ id, type: 'MANAGED_DEVICE_UUID' as const, params: input.params })) },
            { signal: ctx.cancellationSignal },
          );
          taskId = ref.taskId;
        } catch (err) {
          audit(input.workflowId, `${input.purpose}-batch`, 'failure', { labels }, (err as Error).message);
          classify(err, `deploy batch ${input.batchIndex}`);
        }
        ctx.heartbeat({ taskId } satisfies BatchHeartbeat);
        audit(input.workflowId, `${input.purpose}-batch-started`, 'success', { labels: { ...labels, task_id: taskId, devices: input.deviceIds.length } });
      } else {
        ctx.heartbeat({ taskId } satisfies BatchHeartbeat);
        audit(input.workflowId, `${input.purpose}-batch-resumed`, 'success', { labels: { ...labels, task_id: taskId, attempt: ctx.info.attempt } });
      }
      let task: Task;
      for (;;) {
        task = await catalyst.getTask(taskId, { signal: ctx.cancellationSignal }).catch((err: unknown) => classify(err, `task ${taskId}`));
        ctx.heartbeat({ taskId } satisfies BatchHeartbeat);
        if (task.isError || (task.endTime !== null && task.endTime !== undefined)) break;
        await ctx.sleep(input.pollIntervalMs);
      }
      const deploymentId = deploymentIdFromTask(task) ?? null;
      let devices: BatchResult['devices'];
      if (deploymentId !== null) {
        const status = await catalyst.getDeploymentStatus(deploymentId, { signal: ctx.cancellationSignal });
        const byId = new Map(status.devices.map((d) => [d.deviceId, d]));
        devices = input.deviceIds.map((id) => {
          const d = byId.get(id);
          return { deviceId: id, ok: d?.status === 'SUCCESS', detail: d?.detailedStatusMessage ?? d?.status ?? 'no status reported' };
        });
      } else {
        devices = input.deviceIds.map((id) => ({ deviceId: id, ok: !task.isError, detail: task.failureReason ?? task.progress ?? '' }));
      }
      const failed = devices.filter((d) => !d.ok).length;
      audit(input.workflowId, `${input.purpose}-batch`, failed === 0 ? 'success' : 'failure', { labels: { ...labels, task_id: taskId, deployment_id: deploymentId, failed } });
      return { taskId, deploymentId, devices, resumed };
    },

    /** Each device's result in its Catalyst deployment is SUCCESS and the device is still reachable. */
    async verifyDeployment(input: { workflowId: string; deployments: { deploymentId: string; deviceIds: string[] }[] }): Promise<{ verified: string[]; failed: { deviceId: string; detail: string }[] }> {
      const verified: string[] = [];
      const failed: { deviceId: string; detail: string }[] = [];
      for (const { deploymentId, deviceIds } of input.deployments) {
        const status = await catalyst.getDeploymentStatus(deploymentId);
        for (const id of deviceIds) {
          const d = status.devices.find((x) => x.deviceId === id);
          if (d?.status !== 'SUCCESS') {
            failed.push({ deviceId: id, detail: `deployment status ${d?.status ?? 'missing'}` });
            continue;
          }
          const device = await catalyst.getDevice(id);
          if (device.reachabilityStatus !== 'Reachable') failed.push({ deviceId: id, detail: `device ${device.reachabilityStatus ?? 'unknown'} after deploy` });
          else verified.push(id);
        }
      }
      audit(input.workflowId, 'verify', failed.length === 0 ? 'success' : 'failure', { labels: { verified: verified.length, failed: failed.length } });
      return { verified, failed };
    },
  };
}

/** The activity functions, as the workflow sees them (imported as a type only). */
export type DeploymentActivities = ReturnType<typeof createActivities> & IdentityActivities;
