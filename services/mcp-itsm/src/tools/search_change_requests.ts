import { CHANGE_STATE, encodeQuery, type QueryClause } from '@mcp-platform/connectors/servicenow';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { ChangeOut, ChangeStateNameSchema, pagingInput, pagingOutput, queryText, ticketLine, toChange } from '../schemas.ts';

export const searchChangeRequests = defineTool<ItsmDeps>()({
  name: 'search_change_requests',
  title: 'Search change requests',
  description:
    'Searches ServiceNow change requests, newest first, by text in the short description, state, type, assignment group or correlation id. ' +
    'Results are paged: pass the returned next_offset as offset to get the next page.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    text: queryText(200).optional().describe('Words the short description contains (case-insensitive)'),
    state: z.array(ChangeStateNameSchema).min(1).max(8).optional().describe('Only changes in one of these states'),
    type: z.enum(['normal', 'standard', 'emergency']).optional(),
    assignment_group: queryText(100).optional().describe('Assignment group name, e.g. "Network"'),
    correlation_id: queryText(100).optional().describe('The correlation id given when the change was created'),
    ...pagingInput,
  }),
  output: z.object({ change_requests: z.array(ChangeOut), ...pagingOutput }),
  handler: async (args, { deps, signal }) => {
    const clauses: QueryClause[] = [];
    if (args.text) clauses.push({ field: 'short_description', op: 'LIKE', value: args.text });
    if (args.state) clauses.push({ field: 'state', op: 'IN', value: args.state.map((s) => CHANGE_STATE[s]) });
    if (args.type) clauses.push({ field: 'type', op: '=', value: args.type });
    if (args.assignment_group) clauses.push({ field: 'assignment_group.name', op: '=', value: args.assignment_group });
    if (args.correlation_id) clauses.push({ field: 'correlation_id', op: '=', value: args.correlation_id });
    const page = await deps.servicenow.searchChangeRequests(
      { query: encodeQuery(clauses, [{ field: 'sys_created_on', desc: true }, { field: 'number', desc: true }]), offset: args.offset, limit: args.limit },
      { signal },
    );
    return { change_requests: page.records.map(toChange), total: page.total, offset: args.offset, next_offset: page.nextOffset };
  },
  render: (out) =>
    out.change_requests.length === 0
      ? 'No change requests match.'
      : [`${out.change_requests.length} of ${out.total} change request(s):`, ...out.change_requests.map((c) => `- ${ticketLine(c)} ${c.type}`)].join('\n'),
});
