import { encodeQuery, INCIDENT_STATE, type QueryClause } from '@mcp-platform/connectors/servicenow';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { IncidentOut, IncidentStateSchema, pagingInput, pagingOutput, queryText, ticketLine, toIncident } from '../schemas.ts';

export const searchIncidents = defineTool<ItsmDeps>()({
  name: 'search_incidents',
  title: 'Search incidents',
  description:
    'Searches ServiceNow incidents, newest first, by text in the short description, state, priority, assignment group, or correlation id. ' +
    'Results are paged: pass the returned next_offset as offset to get the next page. Use get_incident for one incident with its work notes.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    text: queryText(200).optional().describe('Words the short description contains (case-insensitive)'),
    state: z.array(IncidentStateSchema).min(1).max(6).optional().describe('Only incidents in one of these states'),
    priority: z.array(z.number().int().min(1).max(5)).min(1).max(5).optional().describe('Only these priorities (1 Critical … 5 Planning)'),
    assignment_group: queryText(100).optional().describe('Assignment group name, e.g. "Network"'),
    active: z.boolean().optional().describe('true: open incidents only (not resolved, closed or canceled)'),
    correlation_id: queryText(100).optional().describe('The correlation id given when the incident was created'),
    ...pagingInput,
  }),
  output: z.object({ incidents: z.array(IncidentOut), ...pagingOutput }),
  handler: async (args, { deps, signal }) => {
    const clauses: QueryClause[] = [];
    if (args.text) clauses.push({ field: 'short_description', op: 'LIKE', value: args.text });
    if (args.state) clauses.push({ field: 'state', op: 'IN', value: args.state.map((s) => INCIDENT_STATE[s]) });
    if (args.priority) clauses.push({ field: 'priority', op: 'IN', value: args.priority });
    if (args.assignment_group) clauses.push({ field: 'assignment_group.name', op: '=', value: args.assignment_group });
    if (args.active !== undefined) clauses.push({ field: 'active', op: '=', value: args.active });
    if (args.correlation_id) clauses.push({ field: 'correlation_id', op: '=', value: args.correlation_id });
    const page = await deps.servicenow.searchIncidents(
      { query: encodeQuery(clauses, [{ field: 'sys_created_on', desc: true }, { field: 'number', desc: true }]), offset: args.offset, limit: args.limit },
      { signal },
    );
    return { incidents: page.records.map(toIncident), total: page.total, offset: args.offset, next_offset: page.nextOffset };
  },
  render: (out) =>
    out.incidents.length === 0
      ? 'No incidents match.'
      : [`${out.incidents.length} of ${out.total} incident(s):`, ...out.incidents.map((i) => `- ${ticketLine(i)}`)].join('\n'),
});
