import { z } from 'zod';

/**
 * A field as returned with `sysparm_display_value=all&sysparm_exclude_reference_link=true`:
 * `{ display_value, value }`. Normalized to `{ value, display }`.
 */
const FieldSchema = z
  .union([z.object({ value: z.union([z.string(), z.number(), z.boolean()]).nullable().optional(), display_value: z.union([z.string(), z.number(), z.boolean()]).nullable().optional() }), z.string(), z.null()])
  .transform((f) => {
    if (f === null) return { value: '', display: '' };
    if (typeof f === 'string') return { value: f, display: f };
    const value = f.value === null || f.value === undefined ? '' : String(f.value);
    const display = f.display_value === null || f.display_value === undefined ? value : String(f.display_value);
    return { value, display };
  });

/** A field's internal value and its display value (choice label, referenced record's name…). */
export type FieldValue = z.output<typeof FieldSchema>;

const field = FieldSchema.optional().transform((f) => f ?? { value: '', display: '' });

/** Incident states (`incident.state`) by name. */
export const INCIDENT_STATE = { new: '1', in_progress: '2', on_hold: '3', resolved: '6', closed: '7', canceled: '8' } as const;
export type IncidentStateName = keyof typeof INCIDENT_STATE;

/** Change request states (`change_request.state`) by name. */
export const CHANGE_STATE = { new: '-5', assess: '-4', authorize: '-3', scheduled: '-2', implement: '-1', review: '0', closed: '3', canceled: '4' } as const;
export type ChangeStateName = keyof typeof CHANGE_STATE;

/** Incident resolution codes (`incident.close_code`, Utah and later). */
export const INCIDENT_CLOSE_CODES = [
  'Duplicate',
  'Known error',
  'No resolution provided',
  'Resolved by caller',
  'Resolved by change',
  'Resolved by problem',
  'Resolved by request',
  'Solution provided',
  'Workaround provided',
  'User error',
] as const;

/** Change close codes (`change_request.close_code`). */
export const CHANGE_CLOSE_CODES = ['successful', 'successful_issues', 'unsuccessful'] as const;

const common = {
  sys_id: z.union([z.string(), z.object({ value: z.string() })]).transform((v) => (typeof v === 'string' ? v : v.value)),
  number: field,
  short_description: field,
  description: field,
  state: field,
  impact: field,
  urgency: field,
  priority: field,
  assignment_group: field,
  assigned_to: field,
  work_notes: field,
  close_code: field,
  close_notes: field,
  correlation_id: field,
  active: field,
  sys_created_on: field,
  sys_updated_on: field,
  /** Updates since insert; ServiceNow increments it on every write — the record's version. */
  sys_mod_count: field,
};

/** A `sys_user` reference as the connector reads it (`sysparm_fields=sys_id,user_name`). */
export const UserRefSchema = z.object({ sys_id: common.sys_id, user_name: field });

/** An `incident` record (display values included). */
export const IncidentSchema = z.object({ ...common, caller_id: field, category: field, opened_at: field, resolved_at: field });
export type Incident = z.output<typeof IncidentSchema>;

/** A `change_request` record (display values included). */
export const ChangeRequestSchema = z.object({
  ...common,
  type: field,
  approval: field,
  risk: field,
  requested_by: field,
  start_date: field,
  end_date: field,
  /** The standard-change template (`std_change_producer_version`) a standard change was raised from; empty otherwise. */
  std_change_producer_version: field,
});
export type ChangeRequest = z.output<typeof ChangeRequestSchema>;

/** `sysapproval_approver.state` values: a decision is `approved` or `rejected`. */
export const APPROVAL_STATES = ['not requested', 'requested', 'approved', 'rejected', 'cancelled', 'not_required'] as const;
export type ApprovalStateName = (typeof APPROVAL_STATES)[number];

/**
 * A `sysapproval_approver` record (classic approvals): one approver's approval of a change —
 * `sysapproval` is the change, `approver` the `sys_user` (with its `user_name`, dot-walked), `state`
 * one of {@link APPROVAL_STATES}, `comments` the approver's comment.
 */
export const ApprovalSchema = z.object({
  sys_id: common.sys_id,
  sysapproval: field,
  approver: field,
  'approver.user_name': field,
  state: field,
  comments: field,
  sys_updated_on: field,
  sys_mod_count: field,
});
export type Approval = z.output<typeof ApprovalSchema>;

/** A decision on a change's approval (see `decideChangeApproval`). */
export interface ApprovalDecision {
  /** The approver's `sys_user.user_name` — the platform's identity of the person (e.g. `carol`). */
  approver: string;
  decision: 'approved' | 'rejected';
  /** The approver's comment; required to reject (as in the Change Management API). */
  comments?: string;
}

/** What `decideChangeApproval` answers. */
export interface ApprovalOutcome {
  /** The decision that counts: the approver's record just decided, or the one decided before (`recorded: false`). */
  approval: Approval;
  /** False when the change already had a decision (this approver's earlier one — a retry — or someone else's); nothing was written. */
  recorded: boolean;
  /** The change as it is after the decision (the approval rule moves it: approved → Scheduled, rejected → New); null when reading it failed (the decision stands). */
  change: ChangeRequest | null;
}

/** The fields the connector asks for (`sysparm_fields`). */
export const INCIDENT_FIELDS = Object.keys(IncidentSchema.shape);
export const CHANGE_FIELDS = Object.keys(ChangeRequestSchema.shape);
export const APPROVAL_FIELDS = Object.keys(ApprovalSchema.shape);

/** ServiceNow's error body: `{"error":{"message","detail"},"status":"failure"}`. */
export const ServiceNowErrorBodySchema = z.object({
  error: z.object({ message: z.string().nullable().optional(), detail: z.string().nullable().optional() }),
});

/** One page of a table query. */
export interface Page<T> {
  records: T[];
  /** `X-Total-Count`: records matching the query, all pages. */
  total: number;
  /** Offset of the next page (from the `Link` header's `rel="next"`), or `null` on the last page. */
  nextOffset: number | null;
}

/** Paging and ordering shared by the searches. */
export interface SearchOptions {
  /** Encoded query (build it with `encodeQuery`). Default: everything. */
  query?: string;
  /** Page size (`sysparm_limit`), 1-1000. Default 20. */
  limit?: number;
  /** 0-based offset (`sysparm_offset`). Default 0. */
  offset?: number;
}

/** Fields a client may set on an incident. References accept a sys_id or a display value (group name, user name). */
export interface IncidentFields {
  short_description?: string;
  description?: string;
  /** `1` High, `2` Medium, `3` Low. */
  impact?: 1 | 2 | 3;
  urgency?: 1 | 2 | 3;
  category?: string;
  assignment_group?: string;
  assigned_to?: string;
  caller_id?: string;
  state?: IncidentStateName;
}

/** Fields a client may set on a change request. */
export interface ChangeRequestFields {
  short_description?: string;
  description?: string;
  type?: 'normal' | 'standard' | 'emergency';
  impact?: 1 | 2 | 3;
  urgency?: 1 | 2 | 3;
  risk?: 'high' | 'moderate' | 'low';
  assignment_group?: string;
  assigned_to?: string;
  /** Who the change is requested by: a `sys_user` sys_id (see `findUserByName`). */
  requested_by?: string;
  /** `YYYY-MM-DD HH:mm:ss` (UTC). */
  start_date?: string;
  end_date?: string;
  /** The standard-change template a standard change is raised from (`std_change_producer_version`). */
  std_change_producer_version?: string;
}

/** Result of an idempotent create. */
export interface CreateResult<T> {
  record: T;
  /** False when a record with the same `correlation_id` already existed and was returned instead. */
  created: boolean;
}
