import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';

const ticket = z.object({ sysId: z.string(), number: z.string() }).nullable();

export const getDeploymentWorkflow = defineTool<NetworkDeps>()({
  name: 'get_deployment_workflow',
  title: 'Get a deployment workflow',
  description:
    'Returns the state of a deployment started by start_deployment_workflow: the workflow status (RUNNING, COMPLETED…), the current step ' +
    '(awaiting_approval, deploying, verifying, rolling_back, completed…), the change request and incident numbers, approval attempts and ' +
    'per-device status. Poll it while status is RUNNING.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ workflow_id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:/-]+$/, 'workflow ids are letters, digits and . _ : / -').describe('Returned by start_deployment_workflow') }),
  output: z.object({
    workflowId: z.string(),
    status: z.string().describe('Temporal workflow status: RUNNING, COMPLETED, FAILED, TERMINATED…'),
    step: z.string().nullable(),
    outcome: z.string().nullable().describe('succeeded, rolled_back, cancelled, rejected or failed once finished'),
    requester: z.string().nullable(),
    approvedBy: z.string().nullable(),
    change: ticket,
    incident: ticket,
    reason: z.string().nullable(),
    approvals: z.array(z.object({ by: z.string(), allowed: z.boolean(), reasons: z.array(z.string()) })),
    devices: z.array(z.object({ deviceId: z.string(), status: z.string(), detail: z.string() })),
  }),
  handler: async (args, { deps }) => {
    if (deps.deployments === undefined) throw new PlatformError('ERR_VALIDATION', 'deployment workflows are not configured on this server (TEMPORAL_ADDRESS)');
    let view;
    try {
      view = await deps.deployments.status(args.workflow_id);
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') throw new PlatformError('ERR_VALIDATION', `no deployment workflow ${args.workflow_id}`);
      throw err;
    }
    const p = view.progress;
    return {
      workflowId: view.workflowId,
      status: view.status,
      step: p?.step ?? null,
      outcome: view.result?.outcome ?? null,
      requester: p?.requester ?? null,
      approvedBy: p?.approvedBy ?? null,
      change: p?.change ?? null,
      incident: p?.incident ?? null,
      reason: p?.reason ?? null,
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
