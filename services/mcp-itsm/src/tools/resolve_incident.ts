import { INCIDENT_CLOSE_CODES } from '@mcp-platform/connectors/servicenow';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { IncidentOut, sysIdOf, ticketLine, ticketRef, toIncident } from '../schemas.ts';

export const resolveIncident = defineTool<ItsmDeps>()({
  name: 'resolve_incident',
  title: 'Resolve an incident',
  description: 'Resolves a ServiceNow incident with a resolution code and resolution notes (both mandatory in ServiceNow), optionally adding a last work note.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    incident: ticketRef('INC').describe('Incident number (e.g. INC0010001) or sys_id'),
    close_code: z.enum(INCIDENT_CLOSE_CODES).describe('Resolution code'),
    close_notes: z.string().trim().min(1).max(4000).describe('What was done; visible to the caller'),
    work_note: z.string().min(1).max(4000).optional().describe('A last internal work note'),
  }),
  output: z.object({ incident: IncidentOut }),
  handler: async (args, { deps, signal }) => {
    const sysId = await sysIdOf(args.incident, (n) => deps.servicenow.getIncident(n, { signal }));
    const resolved = await deps.servicenow.resolveIncident(
      sysId,
      { closeCode: args.close_code, closeNotes: args.close_notes, ...(args.work_note !== undefined ? { workNote: args.work_note } : {}) },
      { signal },
    );
    return { incident: toIncident(resolved) };
  },
  render: (out) => `Resolved (${out.incident.close_code}): ${ticketLine(out.incident)}`,
});
