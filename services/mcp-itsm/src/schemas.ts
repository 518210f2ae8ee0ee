import { CHANGE_STATE, INCIDENT_STATE, type ChangeRequest, type ChangeStateName, type Incident, type IncidentStateName, type Page } from '@mcp-platform/connectors/servicenow';
import { z } from 'zod';

const INCIDENT_STATE_NAMES = Object.keys(INCIDENT_STATE) as [IncidentStateName, ...IncidentStateName[]];
const CHANGE_STATE_NAMES = Object.keys(CHANGE_STATE) as [ChangeStateName, ...ChangeStateName[]];
const nameOf = <K extends string>(map: Record<K, string>, value: string, fallback: K): K =>
  (Object.keys(map) as K[]).find((k) => map[k] === value) ?? fallback;
const level = (v: string): number | null => (/^\d+$/.test(v) ? Number(v) : null);

/** Incident state names, as the tools accept and return them. */
export const IncidentStateSchema = z.enum(INCIDENT_STATE_NAMES);
/** Change request state names, as the tools accept and return them. */
export const ChangeStateNameSchema = z.enum(CHANGE_STATE_NAMES);

/** An impact or urgency: 1 High, 2 Medium, 3 Low. */
export const Level = z.union([z.literal(1), z.literal(2), z.literal(3)]);

/** Ticket reference accepted by the tools: a number or a sys_id. */
export const ticketRef = (prefix: 'INC' | 'CHG') =>
  z
    .string()
    .trim()
    .regex(new RegExp(`^(${prefix}\\d{7,}|[0-9a-f]{32})$`, 'i'), `expected a ${prefix} number (e.g. ${prefix}0010001) or a 32-character sys_id`);

/** Free text that goes into an encoded query (the query syntax cannot carry ^). */
export const queryText = (max: number) => z.string().trim().min(1).max(max).regex(/^[^^]*$/, 'must not contain ^');

const common = {
  sys_id: z.string(),
  number: z.string(),
  short_description: z.string(),
  description: z.string(),
  impact: z.number().int().nullable().describe('1 High, 2 Medium, 3 Low'),
  urgency: z.number().int().nullable().describe('1 High, 2 Medium, 3 Low'),
  priority: z.number().int().nullable().describe('1 Critical … 5 Planning'),
  assignment_group: z.string().describe('Assignment group name'),
  assigned_to: z.string().describe('Assignee name'),
  correlation_id: z.string().describe('Client-supplied idempotency key, if one was given at creation'),
  active: z.boolean(),
  created_on: z.string().describe('YYYY-MM-DD HH:mm:ss (UTC)'),
  updated_on: z.string().describe('YYYY-MM-DD HH:mm:ss (UTC)'),
  work_notes: z.string().describe('Work-note journal, newest first'),
};

/** An incident as the tools return it. */
export const IncidentOut = z.object({
  ...common,
  state: IncidentStateSchema,
  state_label: z.string(),
  caller: z.string(),
  category: z.string(),
  close_code: z.string(),
  close_notes: z.string(),
});
export type IncidentOut = z.infer<typeof IncidentOut>;

/** A change request as the tools return it. */
export const ChangeOut = z.object({
  ...common,
  state: ChangeStateNameSchema,
  state_label: z.string(),
  type: z.string().describe('normal, standard or emergency'),
  standard_template: z.string().describe('standard changes: the standard-change template it follows; empty otherwise'),
  approval: z.string().describe('not requested, requested, approved or rejected'),
  risk: z.string(),
  start_date: z.string(),
  end_date: z.string(),
  close_code: z.string(),
  close_notes: z.string(),
});
export type ChangeOut = z.infer<typeof ChangeOut>;

function commonOut(r: Incident | ChangeRequest) {
  return {
    sys_id: r.sys_id,
    number: r.number.value,
    short_description: r.short_description.value,
    description: r.description.value,
    impact: level(r.impact.value),
    urgency: level(r.urgency.value),
    priority: level(r.priority.value),
    assignment_group: r.assignment_group.display,
    assigned_to: r.assigned_to.display,
    correlation_id: r.correlation_id.value,
    active: r.active.value === 'true',
    created_on: r.sys_created_on.value,
    updated_on: r.sys_updated_on.value,
    work_notes: r.work_notes.display,
  };
}

export function toIncident(r: Incident): IncidentOut {
  return {
    ...commonOut(r),
    state: nameOf(INCIDENT_STATE, r.state.value, 'new'),
    state_label: r.state.display,
    caller: r.caller_id.display,
    category: r.category.value,
    close_code: r.close_code.value,
    close_notes: r.close_notes.value,
  };
}

export function toChange(r: ChangeRequest): ChangeOut {
  return {
    ...commonOut(r),
    state: nameOf(CHANGE_STATE, r.state.value, 'new'),
    state_label: r.state.display,
    type: r.type.value,
    standard_template: r.std_change_producer_version.value,
    approval: r.approval.value,
    risk: r.risk.display,
    start_date: r.start_date.value,
    end_date: r.end_date.value,
    close_code: r.close_code.value,
    close_notes: r.close_notes.value,
  };
}

/** Paging fields shared by the searches (ServiceNow offsets are 0-based). */
export const pagingInput = {
  offset: z.number().int().min(0).default(0).describe('0-based index of the first record (pass the previous next_offset)'),
  limit: z.number().int().min(1).max(100).default(20).describe('Most records to return (1-100)'),
};

export const pagingOutput = {
  total: z.number().int().describe('Records matching the search, all pages'),
  offset: z.number().int(),
  next_offset: z.number().int().nullable().describe('Offset of the next page, or null when this was the last page'),
};

export function pageOut<T, O>(page: Page<T>, offset: number, map: (t: T) => O): { items: O[]; total: number; offset: number; next_offset: number | null } {
  return { items: page.records.map(map), total: page.total, offset, next_offset: page.nextOffset };
}

/** ISO 8601 → ServiceNow's `YYYY-MM-DD HH:mm:ss` (UTC). */
export function glideDateTime(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 19);
}

export const ticketLine = (t: { number: string; state_label: string; priority: number | null; short_description: string; assignment_group: string }): string =>
  `${t.number} [${t.state_label}${t.priority ? `, P${t.priority}` : ''}] ${t.short_description}${t.assignment_group ? ` (${t.assignment_group})` : ''}`;

/** The sys_id of a ticket reference: itself when it is one, else looked up by number. */
export async function sysIdOf(ref: string, lookup: (number: string) => Promise<{ sys_id: string }>): Promise<string> {
  return /^[0-9a-f]{32}$/i.test(ref) ? ref.toLowerCase() : (await lookup(ref)).sys_id;
}
