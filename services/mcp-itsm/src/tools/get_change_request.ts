import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { ChangeOut, ticketLine, ticketRef, toChange } from '../schemas.ts';

export const getChangeRequest = defineTool<ItsmDeps>()({
  name: 'get_change_request',
  title: 'Get a change request',
  description: 'Returns one ServiceNow change request by number (CHG0030001) or sys_id: state, approval, type, risk, schedule and work notes.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ change: ticketRef('CHG').describe('Change number (e.g. CHG0030001) or sys_id') }),
  output: z.object({ change_request: ChangeOut }),
  handler: async (args, { deps, signal }) => ({ change_request: toChange(await deps.servicenow.getChangeRequest(args.change, { signal })) }),
  render: ({ change_request: c }) =>
    `${ticketLine(c)} ${c.type}, approval ${c.approval}, ${c.start_date || '?'} → ${c.end_date || '?'}\n${c.description}${c.work_notes ? `\n--- work notes ---\n${c.work_notes}` : ''}`,
});
