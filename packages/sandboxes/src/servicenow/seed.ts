/**
 * Seed data of the ServiceNow simulator: assignment groups, users, incidents and change
 * requests. Every value is stored as ServiceNow stores it internally (strings; references
 * are sys_ids; choice fields hold their value, not their label).
 */

/** One record of a table, internal values only. */
export type SimRecord = Record<string, string>;

/** A work-note (journal) entry, as in `sys_journal_field`. */
export interface SimJournalEntry {
  sys_id: string;
  /** Table of the record the note belongs to (`incident`, `change_request`). */
  name: string;
  /** sys_id of that record. */
  element_id: string;
  /** Journal field, `work_notes`. */
  element: string;
  value: string;
  sys_created_on: string;
  sys_created_by: string;
}

/** What the simulator serves at start. */
export interface ServiceNowSeed {
  sys_user_group: SimRecord[];
  sys_user: SimRecord[];
  incident: SimRecord[];
  change_request: SimRecord[];
  journal: SimJournalEntry[];
  /** Group memberships (`user`, `group`); default none. */
  sys_user_grmember?: SimRecord[];
  /** Approval records (`sysapproval`, `approver`, `state`, `comments`); default none. */
  sysapproval_approver?: SimRecord[];
}

/** Deterministic 32-hex sys_id: `kind` (2 hex digits) + serial. */
const sid = (kind: string, n: number): string => `${kind}${'0'.repeat(22)}${String(n).padStart(8, '0')}`;

/** sys_ids of the seeded records, for tests. */
export const SERVICENOW_SEED_IDS = {
  groups: { network: sid('a1', 1), serviceDesk: sid('a1', 2), platform: sid('a1', 3), changeApprovers: sid('a1', 4) },
  /** `carol` is Carol Caller (incident caller); `approverAlice` and `approverCarol` are the platform's approvers (user_name = their IdP subject). */
  users: { admin: sid('b2', 1), beth: sid('b2', 2), david: sid('b2', 3), fred: sid('b2', 4), carol: sid('b2', 5), approverAlice: sid('b2', 6), approverCarol: sid('b2', 7) },
  incident: (n: number): string => sid('c3', n),
  change: (n: number): string => sid('d4', n),
} as const;

const G = SERVICENOW_SEED_IDS.groups;
const U = SERVICENOW_SEED_IDS.users;

/** ServiceNow's default priority lookup (impact × urgency). */
export function priorityOf(impact: string, urgency: string): string {
  const i = Number(impact);
  const u = Number(urgency);
  if (![1, 2, 3].includes(i) || ![1, 2, 3].includes(u)) return '5';
  return String(Math.min(5, i + u - 1));
}

function sys(created: string, updated = created): SimRecord {
  return { sys_created_on: created, sys_created_by: 'admin', sys_updated_on: updated, sys_updated_by: 'admin', sys_mod_count: '0' };
}

function incident(
  n: number,
  short: string,
  state: string,
  impact: string,
  urgency: string,
  group: string,
  extra: Partial<SimRecord> & { created: string },
): SimRecord {
  const { created, ...rest } = extra;
  const closed = state === '6' || state === '7';
  return {
    sys_id: SERVICENOW_SEED_IDS.incident(n),
    number: `INC${String(10_000 + n).padStart(7, '0')}`,
    short_description: short,
    description: `${short}.`,
    state,
    impact,
    urgency,
    priority: priorityOf(impact, urgency),
    category: 'network',
    assignment_group: group,
    assigned_to: '',
    caller_id: U.carol,
    close_code: closed ? 'Solution provided' : '',
    close_notes: closed ? 'Resolved by the assignment group.' : '',
    correlation_id: '',
    correlation_display: '',
    active: ['6', '7', '8'].includes(state) ? 'false' : 'true',
    opened_at: created,
    resolved_at: closed ? created : '',
    closed_at: state === '7' ? created : '',
    ...sys(created),
    ...rest,
  };
}

function change(n: number, short: string, state: string, type: string, extra: Partial<SimRecord> & { created: string }): SimRecord {
  const { created, ...rest } = extra;
  const approved = ['-2', '-1', '0', '3'].includes(state) ? 'approved' : state === '-3' ? 'requested' : 'not requested';
  return {
    sys_id: SERVICENOW_SEED_IDS.change(n),
    number: `CHG${String(30_000 + n).padStart(7, '0')}`,
    short_description: short,
    description: `${short}.`,
    type,
    state,
    approval: type === 'standard' && state !== '-5' ? 'approved' : approved,
    impact: '2',
    urgency: '2',
    priority: '3',
    risk: '3',
    category: 'Network',
    assignment_group: G.network,
    assigned_to: U.david,
    requested_by: U.david,
    start_date: '2026-11-28 22:00:00',
    end_date: '2026-11-29 02:00:00',
    close_code: state === '3' ? 'successful' : '',
    close_notes: state === '3' ? 'Implemented as planned.' : '',
    correlation_id: '',
    correlation_display: '',
    std_change_producer_version: type === 'standard' ? 'std-interface-description' : '',
    active: ['3', '4'].includes(state) ? 'false' : 'true',
    ...sys(created),
    ...rest,
  };
}

/**
 * A fresh copy of the default seed: 4 groups, 7 users, 10 incidents (INC0010001–INC0010010),
 * 5 change requests (CHG0030001–CHG0030005), one work note, and the change approvers: group
 * `change-approvers` with the platform's approvers `alice` (admin) and `carol` (change-approvers) —
 * their `user_name` is their identity-provider subject, which is how the platform finds a person's
 * approval record — each asked to approve CHG0030003 (waiting in Authorize).
 *
 * @example
 * ```ts
 * const seed = defaultServiceNowSeed(); seed.incident.length // 10
 * ```
 */
export function defaultServiceNowSeed(): ServiceNowSeed {
  const t = (day: number, hour = 9): string => `2026-11-${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:00:00`;
  return {
    sys_user_group: [
      { sys_id: G.network, name: 'Network', description: 'Network engineering', active: 'true', ...sys(t(1)) },
      { sys_id: G.serviceDesk, name: 'Service Desk', description: 'First-line support', active: 'true', ...sys(t(1)) },
      { sys_id: G.platform, name: 'Platform', description: 'Platform engineering', active: 'true', ...sys(t(1)) },
      { sys_id: G.changeApprovers, name: 'change-approvers', description: 'Change Advisory Board: approves normal changes in Authorize', active: 'true', ...sys(t(1)) },
    ],
    sys_user: [
      { sys_id: U.admin, user_name: 'admin', name: 'System Administrator', email: 'admin@example.test', active: 'true', ...sys(t(1)) },
      { sys_id: U.beth, user_name: 'beth.anglin', name: 'Beth Anglin', email: 'beth.anglin@example.test', active: 'true', ...sys(t(1)) },
      { sys_id: U.david, user_name: 'david.loo', name: 'David Loo', email: 'david.loo@example.test', active: 'true', ...sys(t(1)) },
      { sys_id: U.fred, user_name: 'fred.luddy', name: 'Fred Luddy', email: 'fred.luddy@example.test', active: 'true', ...sys(t(1)) },
      { sys_id: U.carol, user_name: 'carol.caller', name: 'Carol Caller', email: 'carol.caller@example.test', active: 'true', ...sys(t(1)) },
      { sys_id: U.approverAlice, user_name: 'alice', name: 'Alice Admin', email: 'alice@example.test', active: 'true', ...sys(t(1)) },
      { sys_id: U.approverCarol, user_name: 'carol', name: 'Carol Changeapprover', email: 'carol@example.test', active: 'true', ...sys(t(1)) },
    ],
    sys_user_grmember: [
      { sys_id: sid('f6', 1), user: U.approverAlice, group: G.changeApprovers, ...sys(t(1)) },
      { sys_id: sid('f6', 2), user: U.approverCarol, group: G.changeApprovers, ...sys(t(1)) },
    ],
    // CHG0030003 waits in Authorize: each approver has a pending approval.
    sysapproval_approver: [U.approverAlice, U.approverCarol].map((approver, i) => ({
      sys_id: sid('f7', i + 1),
      sysapproval: SERVICENOW_SEED_IDS.change(3),
      source_table: 'change_request',
      document_id: SERVICENOW_SEED_IDS.change(3),
      approver,
      state: 'requested',
      comments: '',
      ...sys(t(19, 9)),
    })),
    incident: [
      incident(1, 'Core switch sjc01-core-01 unreachable', '2', '1', '1', G.network, { created: t(20, 8), assigned_to: U.david }),
      incident(2, 'VPN drops every 10 minutes for remote staff', '2', '2', '2', G.network, { created: t(20, 9), assigned_to: U.beth }),
      incident(3, 'Cannot print to floor 3 printer', '1', '3', '3', G.serviceDesk, { created: t(20, 10), category: 'hardware' }),
      incident(4, 'Email delivery delayed', '3', '2', '3', G.platform, { created: t(20, 11), category: 'software' }),
      incident(5, 'Wi-Fi slow in building B', '1', '2', '2', G.network, { created: t(21, 8) }),
      incident(6, 'Password reset for new starter', '6', '3', '3', G.serviceDesk, { created: t(19, 8), category: 'inquiry' }),
      incident(7, 'Latency to the data centre in Frankfurt', '2', '2', '1', G.network, { created: t(21, 9) }),
      incident(8, 'Laptop will not boot', '7', '3', '2', G.serviceDesk, { created: t(18, 8), category: 'hardware' }),
      incident(9, 'Kubernetes cluster node NotReady', '2', '2', '2', G.platform, { created: t(21, 10), category: 'software' }),
      incident(10, 'Duplicate ticket: VPN drops', '8', '3', '3', G.network, { created: t(20, 12) }),
    ],
    change_request: [
      change(1, 'Add VLAN 120 to access switches in SJC-01', '-5', 'normal', { created: t(21, 8) }),
      change(2, 'Upgrade IOS-XE on distribution switches', '-4', 'normal', { created: t(20, 8) }),
      change(3, 'Replace core uplink optics', '-3', 'normal', { created: t(19, 8), risk: '2' }),
      change(4, 'Standard: update interface descriptions', '-2', 'standard', { created: t(18, 8), risk: '4' }),
      change(5, 'Decommission legacy WAN router', '3', 'normal', { created: t(10, 8) }),
    ],
    journal: [
      {
        sys_id: sid('e5', 1),
        name: 'incident',
        element_id: SERVICENOW_SEED_IDS.incident(1),
        element: 'work_notes',
        value: 'Dispatched on-site engineer; console shows the supervisor rebooting.',
        sys_created_on: t(20, 8),
        sys_created_by: 'david.loo',
      },
    ],
  };
}
