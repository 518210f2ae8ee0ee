import { IdempotencyConflictError } from '@mcp-platform/deployment-contract';
import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import { assertTemplateParams, deviceIdsInput, deviceLockKeys, resolveTargetDevices, templateParamsInput } from '../deploy-targets.ts';
import type { NetworkDeps } from '../deps.ts';
import { deploymentIds } from '../deployment-ids.ts';

const input = z.object({
  template_id: z.uuid().describe('Template to deploy (from list_templates)'),
  device_ids: deviceIdsInput('Target device UUIDs (from list_devices); CORE devices need the admin group'),
  params: templateParamsInput('Values of the template variables (see get_template), the same for every device'),
  reason: z.string().max(2000).optional().describe('Why this change is needed; goes on the change request'),
  batch_size: z.number().int().min(1).max(50).default(5).describe('Devices per deploy batch'),
  failure_threshold: z.number().int().min(0).default(0).describe('Most devices that may fail before the deployment is rolled back'),
  approval_timeout_minutes: z.number().int().min(1).max(10_080).default(1_440).describe('Cancel the change if nobody approves within this many minutes'),
  rollback_template_id: z.uuid().optional().describe('Known-good template deployed to restore devices if the deployment fails'),
  rollback_params: templateParamsInput('Variables of the rollback template'),
  on_batch_failure: z
    .enum(['rollback', 'ask'])
    .default('rollback')
    .describe(
      "When more devices fail than failure_threshold: 'rollback' rolls back at once; 'ask' pauses and asks you (the requester) to continue or roll back. " +
        "'ask' needs the Tasks extension: the task goes to input_required and you answer with tasks/update (no answer within input_timeout_minutes: rollback)",
    ),
  input_timeout_minutes: z
    .number()
    .int()
    .min(1)
    .max(1_440)
    .default(60)
    .describe("How long a question waits for your answer: an 'ask' then rolls back; the confirmation of a plan touching CORE devices (asked of task callers) then cancels"),
  correlation_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and . _ : - (at most 100)')
    .optional()
    .describe(
      'Idempotency key: the same value with the same arguments always yields the same deployment (the same task), never a second one; ' +
        'the same value with different arguments is refused. Default: a key derived from you and these arguments, valid 10 minutes',
    ),
});

export const startDeploymentWorkflow = defineTool<NetworkDeps>()({
  name: 'start_deployment_workflow',
  title: 'Start a durable template deployment (with change ticket and approval)',
  description:
    'Starts a durable, audited deployment of a configuration template to network devices. It opens a change request, waits for a ' +
    'second person (admin or change-approvers) to approve, deploys in batches, verifies, closes the change, and rolls back and opens ' +
    'an incident on failure. Returns a workflow id at once: follow it with get_deployment_workflow. Prefer this over deploy_template for production changes. ' +
    'Safe to retry: the same call repeated within 10 minutes returns the deployment it started (created: false) instead of starting a second one; ' +
    'pass a correlation_id to make that hold for any time span (and a new one to deploy the same thing again).',
  action: 'execute',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  input,
  output: z.object({
    workflowId: z.string().describe('Pass to get_deployment_workflow'),
    step: z.literal('started'),
    deviceCount: z.number().int(),
    created: z.boolean().describe('false when this idempotency key (correlation_id, or the same call within 10 minutes) had already started the deployment: this is that one'),
  }),
  // The policy needs each target's role (CORE deploys need admin): read them before deciding.
  resolveResource: (args, ctx) => resolveTargetDevices(args.device_ids, ctx),
  // Decision binds to write: the target devices stay locked from the role check until the deployment is submitted.
  lockKeys: (args) => deviceLockKeys(args.device_ids),
  handler: async (args, { deps, logger, signal, delegate, asTask, principal }, resource) => {
    if (deps.deployments === undefined) throw new PlatformError('ERR_VALIDATION', 'deployment workflows are not configured on this server (TEMPORAL_ADDRESS)');
    // A question needs someone to put it to: only a task (input_required) carries it back to the caller.
    if (args.on_batch_failure === 'ask' && !asTask) {
      throw new PlatformError('ERR_VALIDATION', "on_batch_failure: 'ask' needs the Tasks extension (io.modelcontextprotocol/tasks, protocol 2026-07-28); use 'rollback'");
    }
    // Typed by the domain, before the workflow (and its change request) exists.
    await assertTemplateParams(args.template_id, args.params, { deps, signal });
    if (args.rollback_template_id) await assertTemplateParams(args.rollback_template_id, args.rollback_params, { deps, signal }, 'rollback_params');
    else if (Object.keys(args.rollback_params).length > 0) throw new PlatformError('ERR_VALIDATION', 'rollback_params: given without rollback_template_id');
    const touchesCore = asTask && resource.devices.some((d) => d.role.toUpperCase() === 'CORE');
    const ids = deploymentIds('start_deployment_workflow', args, principal.id);
    const started = await deps.deployments.startOnce({
      templateId: args.template_id,
      deviceIds: args.device_ids,
      params: args.params,
      // The caller's identity as a credential the worker verifies (RFC 8693 exchange), never a name.
      credential: await delegate(deps.workerAudience),
      ...(args.reason ? { reason: args.reason } : {}),
      batchSize: args.batch_size,
      failureThreshold: args.failure_threshold,
      approvalTimeoutMs: args.approval_timeout_minutes * 60_000,
      ...(args.rollback_template_id ? { rollback: { templateId: args.rollback_template_id, params: args.rollback_params } } : {}),
      ...(args.on_batch_failure === 'ask' || touchesCore ? { inputTimeoutMs: args.input_timeout_minutes * 60_000 } : {}),
      ...(args.on_batch_failure === 'ask' ? { onBatchFailure: 'ask' as const } : {}),
      // A task caller confirms a plan that touches CORE devices before the change is opened (input_required).
      ...(touchesCore ? { confirmCorePlan: true } : {}),
    }, ids).catch((err: unknown) => {
      // Nothing was started: the key names another request's deployment. Say which field to change.
      if (err instanceof IdempotencyConflictError) throw new PlatformError('ERR_VALIDATION', `correlation_id: already used for a different deployment request (${err.workflowId}); nothing was started — repeat that request's arguments to get it, or pass a new correlation_id`, { cause: err });
      throw err;
    });
    const { workflowId, created } = started;
    logger.info(created ? 'deployment workflow started' : 'deployment workflow exists for idempotency key', { event: { action: 'start-deployment-workflow' }, labels: { workflow_id: workflowId, template_id: args.template_id } });
    return { workflowId, step: 'started' as const, deviceCount: args.device_ids.length, created };
  },
  // With the Tasks extension (2026-07-28) the call answers with the workflow as a durable task.
  task: (out) => out.workflowId,
  render: (out) => `Deployment workflow ${out.workflowId} ${out.created ? 'started' : 'already started by an earlier identical call (same idempotency key)'} for ${out.deviceCount} device(s); it now opens a change and waits for approval. Follow it with get_deployment_workflow.`,
});
