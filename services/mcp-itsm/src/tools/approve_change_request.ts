import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { ItsmDeps } from '../deps.ts';
import { ChangeOut, sysIdOf, ticketLine, ticketRef, toChange } from '../schemas.ts';

export const approveChangeRequest = defineTool<ItsmDeps>()({
  name: 'approve_change_request',
  title: 'Approve a change request',
  description:
    'Approves a ServiceNow change request that waits in state authorize, as you: records your decision in your own approval record ' +
    '(sysapproval_approver); ServiceNow then moves the change to scheduled (approval: approved). Only change approvers (groups ' +
    'change-approvers or admin) with a pending approval on the change may approve, and never the change\'s requester (four eyes). ' +
    'Safe to retry: when the change already has a decision (yours, or another approver\'s), nothing is written and that decision is returned (recorded: false).',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    change: ticketRef('CHG').describe('Change number (e.g. CHG0030001) or sys_id'),
    comment: z.string().trim().min(1).max(4000).optional().describe('Approval comment, recorded on your approval record'),
  }),
  output: z.object({
    change_request: ChangeOut.nullable().describe('The change after the decision; null when it could not be read back (the decision stands)'),
    approval: z.object({
      approver: z.string().describe('Who decided (user name): you, or the approver whose decision already counted'),
      decision: z.string().describe('approved or rejected'),
      comment: z.string(),
      recorded: z.boolean().describe('false when the change already had this decision and nothing was written'),
    }),
  }),
  // Decision binds to write, and one decision per change: approvals of one change take turns (the lock is shared
  // through Redis across replicas), so a second approver finds the first decision instead of writing another.
  lockKeys: async (args, { deps, signal }) => [`change_request:${await sysIdOf(args.change, (n) => deps.servicenow.getChangeRequest(n, { signal }))}`],
  resolveResource: async (args, { deps, signal }) => {
    const current = await deps.servicenow.getChangeRequest(args.change, { signal });
    return {
      change: {
        number: current.number.value,
        sys_id: current.sys_id,
        version: current.sys_mod_count.value,
        state: current.state.value,
        state_label: current.state.display,
        type: current.type.value,
        approval: current.approval.value,
        requested_by: current.requested_by.value,
      },
    };
  },
  handler: async (args, { deps, signal, principal }, { change }) => {
    if (change.state !== '-3' && change.approval !== 'approved' && change.approval !== 'rejected') {
      throw new PlatformError('ERR_VALIDATION', `change: ${change.number} is in state ${change.state_label}; only changes in Authorize can be approved`);
    }
    if (change.requested_by !== '') {
      // Four eyes: the person the change is requested by does not approve it (their approval record, if any, names their sys_user).
      const mine = (await deps.servicenow.searchChangeApprovals(change.sys_id, { signal })).find((a) => a['approver.user_name'].value === principal.id);
      if (mine?.approver.value === change.requested_by) throw new PlatformError('ERR_AUTHZ_DENIED', `four-eyes: ${principal.id} requested ${change.number} and cannot approve it`);
    }
    const outcome = await deps.servicenow.decideChangeApproval(change.sys_id, { approver: principal.id, decision: 'approved', ...(args.comment !== undefined ? { comments: args.comment } : {}) }, { signal });
    return {
      change_request: outcome.change ? toChange(outcome.change) : null,
      approval: {
        approver: outcome.approval['approver.user_name'].value,
        decision: outcome.approval.state.value,
        comment: outcome.approval.comments.value,
        recorded: outcome.recorded,
      },
    };
  },
  render: (out) => {
    const who = `${out.approval.decision} by ${out.approval.approver}${out.approval.recorded ? '' : ' (decided before; nothing written)'}`;
    return out.change_request ? `${who}: ${ticketLine(out.change_request)}` : `${who}; the change could not be read back`;
  },
});
