/**
 * The simulator's approval engine for change requests, as classic approvals work on an instance:
 * one `sysapproval_approver` record per approver (`sysapproval` = the change, `approver` = a
 * `sys_user`, `state`), created when a normal or emergency change enters Authorize, and the
 * change's approval rule evaluated whenever one of them is decided.
 *
 * Vendor documentation followed:
 * - Classic approvals ("records that store the authorization tasks that must be done to approve or
 *   reject a request … the users or groups assigned to approve or reject them"):
 *   https://www.servicenow.com/docs/r/build-workflows/approvals/r_Approvals.html
 * - Change state model (Authorize -3 → Scheduled -2 once authorized; "If a Normal or Emergency change
 *   request is rejected, the state of the change request is set to New"; reverting to New cancels
 *   all pending approvals): https://www.servicenow.com/docs/r/it-service-management/change-management/c_ChangeStateModel.html
 * - Change Management API `PATCH /sn_chg_rest/change/{sys_id}/approvals` (approve or reject "a change
 *   request approval record" as the current user; answers the change, e.g. state -2 Scheduled):
 *   https://www.servicenow.com/docs/r/api-reference/rest-apis/change-management-api.html
 *
 * The rule modelled is the CAB group approval with "anyone approves": the first member's approval
 * approves the change (it moves to Scheduled, the other members' requests become No Longer
 * Required); the first rejection rejects it (back to New, the other requests are cancelled).
 */
import { randomBytes } from 'node:crypto';
import type { SimRecord } from './seed.ts';

/** `sysapproval_approver.state` choices (value → label). */
export const APPROVAL_STATES = {
  'not requested': 'Not Yet Requested',
  requested: 'Requested',
  approved: 'Approved',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  not_required: 'No Longer Required',
} as const;

/** The tables the engine reads and writes. */
export interface ApprovalTables {
  change_request: SimRecord[];
  sysapproval_approver: SimRecord[];
  sys_user_group: SimRecord[];
  sys_user_grmember: SimRecord[];
}

const DECIDED = new Set(['approved', 'rejected']);

/** A system update of `row` (the approval engine writes as `system`, as business rules do). */
function touch(row: SimRecord, now: string): void {
  row['sys_updated_on'] = now;
  row['sys_updated_by'] = 'system';
  row['sys_mod_count'] = String(Number(row['sys_mod_count'] ?? '0') + 1);
}

/**
 * Requests an approval of `change` from every active member of the group named `groupName`
 * (a `sysapproval_approver` record each, state `requested`). Nothing when the group has no members.
 *
 * @example
 * ```ts
 * requestApprovals(tables, change, 'change-approvers', '2026-12-03 08:00:00');
 * ```
 */
export function requestApprovals(tables: ApprovalTables, change: SimRecord, groupName: string, now: string): void {
  const group = tables.sys_user_group.find((g) => g['name'] === groupName);
  if (!group) return;
  const members = tables.sys_user_grmember.filter((m) => m['group'] === group['sys_id']).map((m) => m['user'] ?? '');
  for (const user of [...new Set(members)]) {
    if (user === '') continue;
    tables.sysapproval_approver.push({
      sys_id: randomBytes(16).toString('hex'),
      sysapproval: change['sys_id'] ?? '',
      source_table: 'change_request',
      document_id: change['sys_id'] ?? '',
      approver: user,
      state: 'requested',
      comments: '',
      sys_created_on: now,
      sys_created_by: 'system',
      sys_updated_on: now,
      sys_updated_by: 'system',
      sys_mod_count: '0',
    });
  }
}

/**
 * Ends the change's pending (`requested`) approvals with `to`: `cancelled` when the change goes back
 * to New or is cancelled, `not_required` when the rule was satisfied by someone else.
 */
export function endPendingApprovals(tables: ApprovalTables, changeSysId: string, to: 'cancelled' | 'not_required', now: string): void {
  for (const a of tables.sysapproval_approver) {
    if (a['sysapproval'] !== changeSysId || a['state'] !== 'requested') continue;
    a['state'] = to;
    touch(a, now);
  }
}

/**
 * Evaluates the change's approval rule after `approval` was decided: the first approval of a change
 * waiting in Authorize approves it (`approval: approved`, state Scheduled); the first rejection
 * rejects it (`approval: rejected`, state New). A decision on a change that no longer waits for
 * one changes nothing.
 */
export function applyApprovalRule(tables: ApprovalTables, approval: SimRecord, now: string): void {
  if (!DECIDED.has(approval['state'] ?? '')) return;
  const change = tables.change_request.find((c) => c['sys_id'] === approval['sysapproval']);
  if (!change || change['state'] !== '-3' || change['approval'] !== 'requested') return;
  if (approval['state'] === 'approved') {
    change['approval'] = 'approved';
    change['state'] = '-2';
    endPendingApprovals(tables, change['sys_id'] ?? '', 'not_required', now);
  } else {
    change['approval'] = 'rejected';
    change['state'] = '-5';
    endPendingApprovals(tables, change['sys_id'] ?? '', 'cancelled', now);
  }
  touch(change, now);
}
