import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import { deviceIdsInput, deviceLockKeys, resolveTargetDevices, templateParamsInput } from '../deploy-targets.ts';
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
    const template = await deps.catalyst.getTemplate(args.template_id, { signal });
    const missing = template.templateParams
      .filter((p) => p.required && (p.defaultValue === null || p.defaultValue === undefined || p.defaultValue === '') && !(p.parameterName in args.params))
      .map((p) => p.parameterName);
    if (missing.length > 0) throw new PlatformError('ERR_VALIDATION', `params: missing required template variable(s): ${missing.join(', ')}`);
    const known = new Set(template.templateParams.map((p) => p.parameterName));
    const unknown = Object.keys(args.params).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new PlatformError('ERR_VALIDATION', `params: not variables of template "${template.name}": ${unknown.join(', ')}`);

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
