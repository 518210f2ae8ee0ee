import { deploymentIdFromTask } from '@mcp-platform/connectors/catalyst-center';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';
import { DeploymentStatus, isoTime, taskStatus } from '../schemas.ts';

export const getDeploymentStatus = defineTool<NetworkDeps>()({
  name: 'get_deployment_status',
  title: 'Get template deployment status',
  description:
    'Returns the state of a template deployment started by deploy_template: PENDING while running, then SUCCESS or FAILURE with per-device results. Poll until it is no longer PENDING.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ task_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9-]+$/, 'task ids are letters, digits and -').describe('Task id returned by deploy_template') }),
  output: DeploymentStatus,
  handler: async (args, { deps, signal }) => {
    const task = await deps.catalyst.getTask(args.task_id, { signal });
    const status = taskStatus(task);
    const deploymentId = deploymentIdFromTask(task) ?? null;
    let devices: z.infer<typeof DeploymentStatus>['devices'] = [];
    if (deploymentId && status !== 'PENDING') {
      const dep = await deps.catalyst.getDeploymentStatus(deploymentId, { signal });
      devices = dep.devices.map((d) => ({ deviceId: d.deviceId, name: d.name ?? '', status: d.status, detail: d.detailedStatusMessage ?? '' }));
    }
    return {
      taskId: task.id,
      status,
      progress: task.progress ?? '',
      failureReason: task.failureReason ?? null,
      deploymentId,
      startTime: isoTime(task.startTime),
      endTime: isoTime(task.endTime),
      devices,
    };
  },
  render: (s) =>
    [`Task ${s.taskId}: ${s.status}${s.failureReason ? ` (${s.failureReason})` : ''}`, ...s.devices.map((d) => `- ${d.name || d.deviceId}: ${d.status}${d.detail ? ` — ${d.detail}` : ''}`)].join('\n'),
});
