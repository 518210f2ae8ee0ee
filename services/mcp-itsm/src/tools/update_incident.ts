import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { IncidentOut, Level, sysIdOf, ticketLine, ticketRef, toIncident } from '../schemas.ts';

const input = z.object({
  incident: ticketRef('INC').describe('Incident number (e.g. INC0010001) or sys_id'),
  short_description: z.string().trim().min(1).max(160).optional(),
  description: z.string().max(4000).optional(),
  impact: Level.optional().describe('1 High, 2 Medium, 3 Low; raising to priority 1 (impact 1 and urgency 1) needs admin for the service desk'),
  urgency: Level.optional().describe('1 High, 2 Medium, 3 Low'),
  state: z.enum(['new', 'in_progress', 'on_hold']).optional().describe('Working state; use resolve_incident to resolve'),
  assignment_group: z.string().max(100).optional().describe('Assignment group name'),
  assigned_to: z.string().max(100).optional().describe('Assignee: user name or full name'),
  work_note: z.string().min(1).max(4000).optional().describe('Appended to the work notes (internal)'),
});

export const updateIncident = defineTool<ItsmDeps>()({
  name: 'update_incident',
  title: 'Update an incident',
  description:
    'Changes fields of an open ServiceNow incident and/or adds a work note. Only the fields given change. ' +
    'Raising an incident to priority 1 (impact 1 and urgency 1) needs the admin group for service-desk callers. Use resolve_incident to resolve.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input,
  output: z.object({ incident: IncidentOut }),
  // Decision binds to write: the incident is locked from the read the policy decides on until the write.
  lockKeys: async (args, { deps, signal }) => [`incident:${await sysIdOf(args.incident, (n) => deps.servicenow.getIncident(n, { signal }))}`],
  // The priority rule needs the incident's current impact and urgency.
  resolveResource: async (args, { deps, signal }) => {
    const { incident: _ref, ...changes } = args;
    if (Object.values(changes).every((v) => v === undefined)) throw new PlatformError('ERR_VALIDATION', 'nothing to update: give at least one field or a work_note');
    const current = await deps.servicenow.getIncident(args.incident, { signal });
    const num = (v: string) => (/^\d$/.test(v) ? Number(v) : null);
    return {
      incident: {
        number: current.number.value,
        sys_id: current.sys_id,
        version: current.sys_mod_count.value,
        impact: num(current.impact.value),
        urgency: num(current.urgency.value),
        priority: num(current.priority.value),
      },
    };
  },
  handler: async (args, { deps, signal }, { incident }) => {
    const { incident: _ref, work_note, ...fields } = args;
    // Write the record the policy saw, and only while it is the version the policy saw.
    const updated = await deps.servicenow.updateIncident(
      incident.sys_id,
      {
        ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
        ...(work_note !== undefined ? { workNote: work_note } : {}),
      },
      { signal, expectedModCount: incident.version },
    );
    return { incident: toIncident(updated) };
  },
  render: (out) => `Updated: ${ticketLine(out.incident)}`,
});
