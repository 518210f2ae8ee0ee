import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { ChangeOut, sysIdOf, ticketLine, ticketRef, toChange } from '../schemas.ts';

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
  // Decision binds to write: what is approved is the change in the state that was checked.
  lockKeys: async (args, { deps, signal }) => [`change_request:${await sysIdOf(args.change, (n) => deps.servicenow.getChangeRequest(n, { signal }))}`],
  resolveResource: async (args, { deps, signal }) => {
    const current = await deps.servicenow.getChangeRequest(args.change, { signal });
    return {
      change: { number: current.number.value, sys_id: current.sys_id, version: current.sys_mod_count.value, state: current.state.value, state_label: current.state.display, type: current.type.value },
    };
  },
  handler: async (args, { deps, signal }, { change }) => {
    if (change.state !== '-3') {
      throw new PlatformError('ERR_VALIDATION', `change: ${change.number} is in state ${change.state_label}; only changes in Authorize can be approved`);
    }
    const updated = await deps.servicenow.updateChangeRequest(
      change.sys_id,
      { state: 'scheduled', ...(args.work_note !== undefined ? { workNote: args.work_note } : {}) },
      { signal, expectedModCount: change.version },
    );
    return { change_request: toChange(updated) };
  },
  render: (out) => `Approved and scheduled: ${ticketLine(out.change_request)}`,
});
