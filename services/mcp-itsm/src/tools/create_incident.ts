import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { IncidentOut, Level, ticketLine, toIncident } from '../schemas.ts';

export const createIncident = defineTool<ItsmDeps>()({
  name: 'create_incident',
  title: 'Open an incident',
  description:
    'Opens a ServiceNow incident. Priority follows from impact × urgency (both 1 = priority 1 Critical, which the service desk may only open with admin). ' +
    'Pass a correlation_id (e.g. your workflow run id) to make the call safe to retry: if an incident with that correlation id exists, it is returned instead of a new one (created: false).',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
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
      .describe('Idempotency key: the same value always yields the same incident'),
  }),
  output: z.object({ incident: IncidentOut, created: z.boolean().describe('false when an incident with this correlation_id already existed') }),
  handler: async (args, { deps, signal, logger }) => {
    const { record, created } = await deps.servicenow.createIncident(
      {
        short_description: args.short_description,
        impact: args.impact,
        urgency: args.urgency,
        ...(args.description !== undefined ? { description: args.description } : {}),
        ...(args.category !== undefined ? { category: args.category } : {}),
        ...(args.assignment_group !== undefined ? { assignment_group: args.assignment_group } : {}),
        ...(args.caller !== undefined ? { caller_id: args.caller } : {}),
      },
      { signal, ...(args.correlation_id !== undefined ? { correlationId: args.correlation_id } : {}) },
    );
    let incident = record;
    if (created && args.work_note !== undefined) incident = await deps.servicenow.updateIncident(record.sys_id, { workNote: args.work_note }, { signal });
    logger.info(created ? 'incident created' : 'incident exists for correlation id', { event: { action: 'create-incident' }, labels: { number: incident.number.value } });
    return { incident: toIncident(incident), created };
  },
  render: (out) => `${out.created ? 'Opened' : 'Already open (same correlation_id)'}: ${ticketLine(out.incident)}`,
});
