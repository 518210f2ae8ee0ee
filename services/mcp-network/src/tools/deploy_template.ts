import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import { assertTemplateParams, deviceIdsInput, deviceLockKeys, resolveTargetDevices, templateParamsInput } from '../deploy-targets.ts';
import type { NetworkDeps } from '../deps.ts';
import { deploymentIds } from '../deployment-ids.ts';

const input = z.object({
  template_id: z.uuid().describe('Template to deploy (from list_templates)'),
  device_ids: deviceIdsInput('Target device UUIDs (from list_devices); deploying to CORE devices needs the admin group'),
  params: templateParamsInput('Values of the template variables (see get_template), the same for every device'),
  force_push: z.boolean().default(false).describe('Push even if Catalyst Center believes the device already has this configuration'),
});

export const deployTemplate = defineTool<NetworkDeps>()({
  name: 'deploy_template',
  title: 'Deploy a configuration template',
  description:
    'Starts deploying a configuration template to network devices through Catalyst Center and returns the task id immediately; ' +
    'deployment runs asynchronously: follow it with get_deployment_status. Changes device configuration. ' +
    'All required template variables must be given in params. Deploying to CORE devices requires the admin group. ' +
    'With the Tasks extension (protocol 2026-07-28) a deployment to more than one device (none of them CORE) runs as a durable task instead: ' +
    'a pre-approved standard change is opened, devices are deployed in batches of 5 and verified, and tasks/get reports progress and the final result.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input,
  output: z.object({
    taskId: z.string().optional().describe('Catalyst Center task id of a direct deployment: pass to get_deployment_status'),
    workflowId: z.string().optional().describe('Deployment workflow of a durable deployment (a task, with the Tasks extension): the task id for tasks/get; also get_deployment_workflow'),
    status: z.literal('PENDING'),
    templateId: z.string(),
    deviceCount: z.number().int(),
    created: z
      .boolean()
      .optional()
      .describe('Durable deployments only: false when the same call (same caller, same arguments) within 10 minutes had already started it — this is that deployment'),
  }),
  // The policy needs each target's role (CORE deploys need admin): read them before deciding.
  resolveResource: (args, ctx) => resolveTargetDevices(args.device_ids, ctx),
  // Decision binds to write: the target devices stay locked from the role check until the deployment is submitted.
  lockKeys: (args) => deviceLockKeys(args.device_ids),
  handler: async (args, { deps, signal, logger, asTask, delegate, principal }, resource) => {
    // Typed by the domain: every value fits its declared variable (IP is an IP, no newline reaches the device).
    await assertTemplateParams(args.template_id, args.params, { deps, signal });

    // Several devices for a caller that takes tasks: the same deployment, durable (Temporal), as a pre-approved
    // standard change the worker authorizes again for the verified caller. CORE devices are never a standard
    // change (policy): a deployment touching them stays direct, as authorized above (admin, step-up).
    const touchesCore = resource.devices.some((d) => d.role.toUpperCase() === 'CORE');
    if (asTask && deps.deployments !== undefined && args.device_ids.length > 1 && !touchesCore) {
      // At most once per caller + arguments per 10-minute window (a retry after a lost answer, or on another
      // replica, answers the same deployment — the same task — instead of opening a second standard change).
      const ids = deploymentIds('deploy_template', args, principal.id);
      const { workflowId, created } = await deps.deployments.startOnce(
        {
          templateId: args.template_id,
          deviceIds: args.device_ids,
          params: args.params,
          // The caller's identity as a credential the worker verifies (RFC 8693 exchange), never a name.
          credential: await delegate(deps.workerAudience),
          changeType: 'standard',
          reason: 'deploy_template (durable task)',
          ...(args.force_push ? { forcePush: true } : {}),
        },
        ids,
      );
      logger.info(created ? 'template deployment started as a task' : 'template deployment task exists for this call', {
        event: { action: 'deploy-template' },
        labels: { workflow_id: workflowId, template_id: args.template_id },
      });
      return { workflowId, status: 'PENDING' as const, templateId: args.template_id, deviceCount: args.device_ids.length, created };
    }

    const ref = await deps.catalyst.deployTemplate(
      {
        templateId: args.template_id,
        forcePushTemplate: args.force_push,
        targetInfo: args.device_ids.map((id) => ({ id, type: 'MANAGED_DEVICE_UUID' as const, params: args.params })),
      },
      { signal },
    );
    logger.info('template deployment started', { event: { action: 'deploy-template' }, labels: { task_id: ref.taskId, template_id: args.template_id } });
    return { taskId: ref.taskId, status: 'PENDING' as const, templateId: args.template_id, deviceCount: args.device_ids.length };
  },
  // A durable deployment (several devices, Tasks extension) is answered as its task; a direct one with the result.
  task: (out) => out.workflowId,
  render: (out) =>
    out.workflowId !== undefined
      ? `Durable deployment ${out.workflowId} ${out.created === false ? 'already started by an identical call within 10 minutes' : 'started'} for ${out.deviceCount} device(s) as a pre-approved standard change. Follow it with tasks/get.`
      : `Deployment started: task ${out.taskId ?? ''} for ${out.deviceCount} device(s). Follow it with get_deployment_status.`,
});
