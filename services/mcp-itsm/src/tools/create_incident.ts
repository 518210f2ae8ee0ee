import { defineTool, idempotencyKeys } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { IncidentOut, Level, ticketLine, toIncident } from '../schemas.ts';

export const createIncident = defineTool<ItsmDeps>()({
  name: 'create_incident',
  title: 'Open an incident',
  description:
    'Opens a ServiceNow incident. Priority follows from impact × urgency (both 1 = priority 1 Critical, which the service desk may only open with admin). ' +
    'Safe to retry: the same call repeated within 10 minutes returns the incident it opened (created: false) instead of opening a second one. ' +
    'Pass a correlation_id (e.g. your workflow run id) to make that hold for any time span: an incident with that correlation id is returned instead of a new one.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    short_description: z.string().trim().min(1).max(160).describe('One-line summary'),
    description: z.string().max(4000).optional().describe('Details: symptoms, affected users, what was tried'),
    impact: Level.default(3).describe('1 High, 2 Medium, 3 Low (default 3)'),
    urgency: Level.default(3).describe('1 High, 2 Medium, 3 Low (default 3)'),
    category: z.string().max(40).optional().describe('e.g. network, hardware, software, inquiry'),
    assignment_group: z.string().max(100).optional().describe('Assignment group name, e.g. "Network", "Service Desk", "Platform"'),
    caller: z.string().max(100).optional().describe('Caller: user name or full name'),
    work_note: z.string().min(1).max(4000).optional().describe('A first work note (internal, not visible to the caller)'),
    correlation_id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and . _ : - (at most 100)')
      .optional()
      .describe('Idempotency key: the same value always yields the same incident. Default: a key derived from you and these arguments, valid 10 minutes'),
  }),
  output: z.object({ incident: IncidentOut, created: z.boolean().describe('false when an incident with this correlation_id already existed') }),
  // Idempotent by default: identical creates serialise on their key, so a concurrent retry finds the first.
  lockKeys: (args, { principal }) => [`create:${idempotencyKeys({ given: args.correlation_id, subject: principal.id, tool: 'create_incident', args }).lockKey}`],
  handler: async (args, { deps, signal, logger, principal }) => {
    const keys = idempotencyKeys({ given: args.correlation_id, subject: principal.id, tool: 'create_incident', args });
    const { record, created } = await deps.servicenow.createIncident(
      {
        short_description: args.short_description,
        impact: args.impact,
        urgency: args.urgency,
        ...(args.description !== undefined ? { description: args.description } : {}),
        ...(args.category !== undefined ? { category: args.category } : {}),
        ...(args.assignment_group !== undefined ? { assignment_group: args.assignment_group } : {}),
        ...(args.caller !== undefined ? { caller_id: args.caller } : {}),
        ...(args.work_note !== undefined ? { workNote: args.work_note } : {}),
      },
      { signal, correlationId: keys.key, matchCorrelationIds: keys.matches },
    );
    const incident = record;
    logger.info(created ? 'incident created' : 'incident exists for correlation id', { event: { action: 'create-incident' }, labels: { number: incident.number.value } });
    return { incident: toIncident(incident), created };
  },
  render: (out) => `${out.created ? 'Opened' : 'Already opened by an earlier identical call (same correlation_id)'}: ${ticketLine(out.incident)}`,
});
