import { CHANGE_CLOSE_CODES, CHANGE_STATE, type ChangeStateName } from '@mcp-platform/connectors/servicenow';
import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { ChangeOut, sysIdOf, ticketLine, ticketRef, toChange } from '../schemas.ts';

const stateName = (value: string): ChangeStateName => (Object.keys(CHANGE_STATE) as ChangeStateName[]).find((k) => CHANGE_STATE[k] === value) ?? 'new';

export const transitionChangeRequest = defineTool<ItsmDeps>()({
  name: 'transition_change_request',
  title: 'Move a change request to another state',
  description:
    'Moves a ServiceNow change request through its state model: new → assess → authorize → (approval) → scheduled → implement → review → closed, ' +
    'or canceled from any open state. Standard changes go new → scheduled directly. Approving (authorize → scheduled) is approve_change_request. ' +
    'Closing needs close_code and close_notes. ServiceNow refuses transitions its state model does not allow.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: z.object({
    change: ticketRef('CHG').describe('Change number (e.g. CHG0030001) or sys_id'),
    state: z.enum(['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed', 'canceled']).describe('Target state'),
    work_note: z.string().min(1).max(4000).optional().describe('Why; appended to the work notes'),
    close_code: z.enum(CHANGE_CLOSE_CODES).optional().describe('Required with state closed'),
    close_notes: z.string().trim().min(1).max(4000).optional().describe('Required with state closed'),
  }),
  output: z.object({ change_request: ChangeOut, previous_state: z.string() }),
  // Decision binds to write: the change is locked from the read the policy decides on until the write.
  lockKeys: async (args, { deps, signal }) => [`change_request:${await sysIdOf(args.change, (n) => deps.servicenow.getChangeRequest(n, { signal }))}`],
  // The approval rules need the change's current state, type and standard-change template.
  resolveResource: async (args, { deps, signal }) => {
    if (args.state === 'closed' && (!args.close_code || !args.close_notes)) throw new PlatformError('ERR_VALIDATION', 'close_code and close_notes: required to close a change');
    const current = await deps.servicenow.getChangeRequest(args.change, { signal });
    return {
      change: {
        number: current.number.value,
        sys_id: current.sys_id,
        version: current.sys_mod_count.value,
        state: stateName(current.state.value),
        type: current.type.value,
        // The policy lets only standard changes from an approved template skip approval.
        std_template: current.std_change_producer_version.value,
      },
    };
  },
  handler: async (args, { deps, signal }, { change }) => {
    // Write the change the policy saw, and only while it is the version the policy saw.
    const updated = await deps.servicenow.updateChangeRequest(
      change.sys_id,
      {
        state: args.state,
        ...(args.work_note !== undefined ? { workNote: args.work_note } : {}),
        ...(args.close_code !== undefined ? { closeCode: args.close_code } : {}),
        ...(args.close_notes !== undefined ? { closeNotes: args.close_notes } : {}),
      },
      { signal, expectedModCount: change.version },
    );
    return { change_request: toChange(updated), previous_state: change.state };
  },
  render: (out) => `${out.previous_state} → ${out.change_request.state}: ${ticketLine(out.change_request)}`,
});
