import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { ChangeOut, ticketLine, ticketRef, toChange } from '../schemas.ts';

export const approveChangeRequest = defineTool<ItsmDeps>()({
  name: 'approve_change_request',
  title: 'Approve a change request',
  description:
    'Approves a ServiceNow change request that waits in state authorize: moves it to scheduled (approval: approved), optionally with a work note. ' +
    'Only change approvers (groups change-approvers or admin) may approve.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({
    change: ticketRef('CHG').describe('Change number (e.g. CHG0030001) or sys_id'),
    work_note: z.string().min(1).max(4000).optional().describe('Approval comment, appended to the work notes'),
  }),
  output: z.object({ change_request: ChangeOut }),
  handler: async (args, { deps, signal }) => {
    const current = await deps.servicenow.getChangeRequest(args.change, { signal });
    if (current.state.value !== '-3') {
      throw new PlatformError('ERR_VALIDATION', `change: ${current.number.value} is in state ${current.state.display}; only changes in Authorize can be approved`);
    }
    const updated = await deps.servicenow.updateChangeRequest(
      current.sys_id,
      { state: 'scheduled', ...(args.work_note !== undefined ? { workNote: args.work_note } : {}) },
      { signal },
    );
    return { change_request: toChange(updated) };
  },
  render: (out) => `Approved and scheduled: ${ticketLine(out.change_request)}`,
});
