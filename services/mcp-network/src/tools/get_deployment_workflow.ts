import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import { DEPLOYMENT_WORKFLOW_TYPE, type DeploymentClient, type DeploymentStatusView } from '@mcp-platform/deployment-contract';
import type { NetworkDeps } from '../deps.ts';
import { progressOf, statusMessage } from '../tasks.ts';

async function statusOf(deployments: DeploymentClient | undefined, workflowId: string): Promise<DeploymentStatusView> {
  if (deployments === undefined) throw new PlatformError('ERR_VALIDATION', 'deployment workflows are not configured on this server (TEMPORAL_ADDRESS)');
  try {
    return await deployments.status(workflowId);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new PlatformError('ERR_VALIDATION', `no deployment workflow ${workflowId}`);
    throw err;
  }
}

/** How often a waiting call looks at the workflow, in ms. */
const WAIT_POLL_MS = 1_000;

const ticket = z.object({ sysId: z.string(), number: z.string() }).nullable();

export const getDeploymentWorkflow = defineTool<NetworkDeps>()({
  name: 'get_deployment_workflow',
  title: 'Get a deployment workflow',
  description:
    'Returns the state of a deployment started by start_deployment_workflow: the workflow status (RUNNING, COMPLETED…), the current step ' +
    '(awaiting_approval, deploying, verifying, rolling_back, completed…), the change request and incident numbers, approval attempts and ' +
    'per-device status. Poll it while status is RUNNING, or pass wait_seconds to wait (with progress notifications) until it finishes or needs an approver. ' +
    'Visible to the requester, approvers and admins only.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    workflow_id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:/-]+$/, 'workflow ids are letters, digits and . _ : / -').describe('Returned by start_deployment_workflow'),
    wait_seconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(0)
      .describe('Wait up to this many seconds (bounded by the call deadline) for the deployment to finish or to wait for an approver; send a progressToken to receive progress meanwhile'),
  }),
  output: z.object({
    workflowId: z.string(),
    status: z.string().describe('Temporal workflow status: RUNNING, COMPLETED, FAILED, TERMINATED…'),
    step: z.string().nullable().describe('Current step; null while no deploy worker answers (see reason)'),
    outcome: z.string().nullable().describe('succeeded, rolled_back, cancelled, rejected or failed once finished'),
    requester: z.string().nullable(),
    approvedBy: z.string().nullable(),
    change: ticket,
    incident: ticket,
    reason: z.string().nullable(),
    approvals: z.array(
      z.object({
        by: z.string(),
        allowed: z.boolean(),
        reasons: z.array(z.string()),
        approvedBy: z.string().optional().describe('Whose approval counts (recorded on the change), when this attempt was allowed'),
      }),
    ),
    devices: z.array(z.object({ deviceId: z.string(), status: z.string(), detail: z.string() })),
  }),
  // The policy decides who may see a deployment: its requester, approvers and admins.
  resolveResource: async (args, { deps }) => {
    const view = await statusOf(deps.deployments, args.workflow_id);
    if (view.workflowType !== DEPLOYMENT_WORKFLOW_TYPE) throw new PlatformError('ERR_VALIDATION', `no deployment workflow ${args.workflow_id}`);
    return { kind: 'deployment', requester: view.requester ?? '' };
  },
  handler: async (args, { deps, progress, deadline, signal }) => {
    let view = await statusOf(deps.deployments, args.workflow_id);
    // Waiting: until the deployment closes, waits for an approver, or the time (or the call's deadline) is up.
    const until = Math.min(Date.now() + args.wait_seconds * 1000, deadline - 2 * WAIT_POLL_MS);
    let reported = -1;
    for (;;) {
      const { done, total } = progressOf(view);
      if (done > reported && args.wait_seconds > 0) {
        reported = done;
        await progress(done, total, statusMessage(view));
      }
      if (view.status !== 'RUNNING' || view.progress?.step === 'awaiting_approval' || Date.now() + WAIT_POLL_MS > until || signal.aborted) break;
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
      view = await statusOf(deps.deployments, args.workflow_id);
    }
    const p = view.progress;
    return {
      workflowId: view.workflowId,
      status: view.status,
      step: p?.step ?? null,
      outcome: view.result?.outcome ?? null,
      requester: view.requester,
      approvedBy: p?.approvedBy ?? null,
      change: p?.change ?? null,
      incident: p?.incident ?? null,
      reason: p?.reason ?? view.progressUnavailable,
      approvals: p?.approvals ?? [],
      devices: Object.entries(p?.devices ?? {}).map(([deviceId, d]) => ({ deviceId, status: d.status, detail: d.detail ?? '' })),
    };
  },
  render: (s) =>
    [
      `Deployment ${s.workflowId}: ${s.status}${s.step ? `, step ${s.step}` : ''}${s.outcome ? `, outcome ${s.outcome}` : ''}${s.change ? `, change ${s.change.number}` : ''}${s.incident ? `, incident ${s.incident.number}` : ''}`,
      ...s.devices.map((d) => `- ${d.deviceId}: ${d.status}${d.detail ? ` — ${d.detail}` : ''}`),
    ].join('\n'),
});
