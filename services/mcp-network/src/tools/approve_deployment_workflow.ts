import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';

export const approveDeploymentWorkflow = defineTool<NetworkDeps>()({
  name: 'approve_deployment_workflow',
  title: 'Approve a deployment workflow (four-eyes)',
  description:
    'Approves a deployment started by start_deployment_workflow that is awaiting approval, as the calling user. ' +
    'Four-eyes: the approver must be in group admin or change-approvers and must not be the person who started it; ' +
    'the workflow checks this against policy and the result says whether the approval counted. Once approved the deployment proceeds.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: z.object({
    workflow_id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:/-]+$/, 'workflow ids are letters, digits and . _ : / -').describe('Returned by start_deployment_workflow'),
    comment: z.string().max(2000).optional().describe('Goes into the audit trail'),
  }),
  output: z.object({ workflowId: z.string(), approvedBy: z.string(), allowed: z.literal(true) }),
  handler: async (args, { deps, delegate }) => {
    if (deps.deployments === undefined) throw new PlatformError('ERR_VALIDATION', 'deployment workflows are not configured on this server (TEMPORAL_ADDRESS)');
    const status = await deps.deployments.status(args.workflow_id).catch((err: unknown) => {
      if ((err as Error).name === 'WorkflowNotFoundError') throw new PlatformError('ERR_VALIDATION', `no deployment workflow ${args.workflow_id}`);
      throw err;
    });
    if (status.progress?.step !== 'awaiting_approval') {
      throw new PlatformError('ERR_WORKFLOW_STATE', `deployment ${args.workflow_id} is not awaiting approval (${status.progress?.step ?? status.status})`);
    }
    // A refusal is a DeploymentActionRefusedError: its platform code (credential, policy, workflow state) reaches the caller.
    const verdict = await deps.deployments.approve(args.workflow_id, await delegate(deps.workerAudience), args.comment ? { comment: args.comment } : {});
    if (!verdict.allowed) throw new PlatformError('ERR_AUTHZ_DENIED', `approval refused: ${verdict.reasons.join('; ')}`);
    // The approval that counts: this caller's, or (two approvers at the same moment) the one recorded first.
    return { workflowId: args.workflow_id, approvedBy: verdict.approvedBy ?? verdict.by, allowed: true as const };
  },
  render: (out) => `Deployment ${out.workflowId} approved by ${out.approvedBy}; it now deploys. Follow it with get_deployment_workflow.`,
});
