import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { IncidentOut, ticketLine, ticketRef, toIncident } from '../schemas.ts';

export const getIncident = defineTool<ItsmDeps>()({
  name: 'get_incident',
  title: 'Get an incident',
  description: 'Returns one ServiceNow incident by number (INC0010001) or sys_id, with its description, assignment, resolution and work notes.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ incident: ticketRef('INC').describe('Incident number (e.g. INC0010001) or sys_id') }),
  output: z.object({ incident: IncidentOut }),
  handler: async (args, { deps, signal }) => ({ incident: toIncident(await deps.servicenow.getIncident(args.incident, { signal })) }),
  render: ({ incident: i }) => `${ticketLine(i)}\n${i.description}${i.work_notes ? `\n--- work notes ---\n${i.work_notes}` : ''}`,
});
