import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import { assertTemplateParams, deviceIdsInput, deviceLockKeys, resolveTargetDevices, templateParamsInput } from '../deploy-targets.ts';
import type { NetworkDeps } from '../deps.ts';

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
    'All required template variables must be given in params. Deploying to CORE devices requires the admin group.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input,
  output: z.object({
    taskId: z.string().describe('Pass to get_deployment_status'),
    status: z.literal('PENDING'),
    templateId: z.string(),
    deviceCount: z.number().int(),
  }),
  // The policy needs each target's role (CORE deploys need admin): read them before deciding.
  resolveResource: (args, ctx) => resolveTargetDevices(args.device_ids, ctx),
  // Decision binds to write: the target devices stay locked from the role check until the deployment is submitted.
  lockKeys: (args) => deviceLockKeys(args.device_ids),
  handler: async (args, { deps, signal, logger }) => {
    // Typed by the domain: every value fits its declared variable (IP is an IP, no newline reaches the device).
    await assertTemplateParams(args.template_id, args.params, { deps, signal });

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
  render: (out) => `Deployment started: task ${out.taskId} for ${out.deviceCount} device(s). Follow it with get_deployment_status.`,
});
