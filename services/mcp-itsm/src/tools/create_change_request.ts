import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool, idempotencyKeys } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { ChangeOut, Level, glideDateTime, ticketLine, toChange } from '../schemas.ts';

export const createChangeRequest = defineTool<ItsmDeps>()({
  name: 'create_change_request',
  title: 'Raise a change request',
  description:
    'Raises a ServiceNow change request in state New. Move it on with transition_change_request (assess, authorize…); approval is approve_change_request. ' +
    'A standard change (no approval step) must name an approved standard-change template in standard_template. ' +
    'Safe to retry: the same call repeated within 10 minutes returns the change it raised (created: false). ' +
    'Pass a correlation_id (e.g. your deployment id) to make that hold for any time span: an existing change with that correlation id is returned instead.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    short_description: z.string().trim().min(1).max(160).describe('One-line summary of the change'),
    description: z.string().max(4000).optional().describe('What changes, why, and the rollback plan'),
    type: z
      .enum(['normal', 'standard', 'emergency'])
      .default('normal')
      .describe('normal (assess + approval), standard (pre-approved: needs standard_template), emergency (admin only). The policy decides who may raise which type'),
    standard_template: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and . _ : - (at most 100)')
      .optional()
      .describe('Required with type standard: the approved standard-change template (std_change_producer_version) this change follows'),
    impact: Level.optional().describe('1 High, 2 Medium, 3 Low'),
    urgency: Level.optional().describe('1 High, 2 Medium, 3 Low'),
    risk: z.enum(['high', 'moderate', 'low']).optional(),
    assignment_group: z.string().max(100).optional().describe('Assignment group name, e.g. "Network"'),
    assigned_to: z.string().max(100).optional().describe('Implementer: user name or full name'),
    start_date: z.iso.datetime({ offset: true }).optional().describe('Planned start, ISO 8601'),
    end_date: z.iso.datetime({ offset: true }).optional().describe('Planned end, ISO 8601'),
    correlation_id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and . _ : - (at most 100)')
      .optional()
      .describe('Idempotency key: the same value always yields the same change request. Default: a key derived from you and these arguments, valid 10 minutes'),
  }),
  output: z.object({ change_request: ChangeOut, created: z.boolean().describe('false when a change with this correlation_id already existed') }),
  // Idempotent by default: identical creates serialise on their key, so a concurrent retry finds the first.
  lockKeys: (args, { principal }) => [`create:${idempotencyKeys({ given: args.correlation_id, subject: principal.id, tool: 'create_change_request', args }).lockKey}`],
  handler: async (args, { deps, signal, logger, principal }) => {
    const keys = idempotencyKeys({ given: args.correlation_id, subject: principal.id, tool: 'create_change_request', args });
    if (args.start_date && args.end_date && Date.parse(args.end_date) <= Date.parse(args.start_date)) {
      throw new PlatformError('ERR_VALIDATION', 'end_date: must be after start_date');
    }
    if (args.type === 'standard' && args.standard_template === undefined) throw new PlatformError('ERR_VALIDATION', 'standard_template: required with type standard');
    if (args.type !== 'standard' && args.standard_template !== undefined) throw new PlatformError('ERR_VALIDATION', 'standard_template: only for type standard');
    const { correlation_id: _key, start_date, end_date, standard_template, ...fields } = args;
    const { record, created } = await deps.servicenow.createChangeRequest(
      {
        ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
        short_description: args.short_description,
        ...(standard_template !== undefined ? { std_change_producer_version: standard_template } : {}),
        ...(start_date ? { start_date: glideDateTime(start_date) } : {}),
        ...(end_date ? { end_date: glideDateTime(end_date) } : {}),
      },
      { signal, correlationId: keys.key, matchCorrelationIds: keys.matches },
    );
    logger.info(created ? 'change request created' : 'change request exists for correlation id', { event: { action: 'create-change' }, labels: { number: record.number.value } });
    return { change_request: toChange(record), created };
  },
  render: (out) => `${out.created ? 'Raised' : 'Already raised by an earlier identical call (same correlation_id)'}: ${ticketLine(out.change_request)}`,
});
