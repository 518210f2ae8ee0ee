import { SERVICENOW_SEED_IDS } from '@mcp-platform/sandboxes/servicenow';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMcpAuthEdges } from '@mcp-platform/test-support';
import { DEV_SECRETS } from '../src/config.ts';
import { startHarness, type ItsmHarness } from './harness.ts';

let h: ItsmHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const call = async (user: string, name: string, args: Record<string, unknown>) => (await (await h.client(user)).callTool({ name, arguments: args })) as CallToolResult;
const writes = () => h.sim.state.requests.filter((r) => r.method !== 'GET').length;
const requests = () => h.sim.state.requests.length;

type Incident = { sys_id: string; number: string; state: string; priority: number; work_notes: string; close_code: string; correlation_id: string };
type Change = { sys_id: string; number: string; state: string; approval: string };

describe('mcp-itsm through the whole spine', () => {
  it('shows each caller only the tools policy lets them call', async () => {
    const names = async (user: string) => (await (await h.client(user)).listTools()).tools.map((t) => t.name).sort();
    const reads = ['get_change_request', 'get_incident', 'search_change_requests', 'search_incidents'];
    const incidentWrites = ['create_incident', 'resolve_incident', 'update_incident'];
    const changeWrites = ['create_change_request', 'transition_change_request'];
    expect(await names('alice')).toEqual([...reads, ...incidentWrites, ...changeWrites, 'approve_change_request'].sort());
    expect(await names('nina')).toEqual([...reads, ...incidentWrites, ...changeWrites].sort());
    expect(await names('sam')).toEqual([...reads, ...incidentWrites].sort());
    expect(await names('dave')).toEqual(reads.sort());
    expect(await names('eve')).toEqual([]);
  });

  it('lists tools with output schemas and annotations', async () => {
    const { tools } = await (await h.client('alice')).listTools();
    expect(tools.every((t) => t.title && t.description && t.outputSchema && t.annotations)).toBe(true);
    expect(tools.find((t) => t.name === 'search_incidents')?.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    expect(tools.find((t) => t.name === 'transition_change_request')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  it('lets the service desk open, update and resolve an incident', async () => {
    const created = await call('sam', 'create_incident', { short_description: 'Badge reader offline, floor 2', impact: 2, urgency: 2, assignment_group: 'Service Desk', work_note: 'Caller phoned in' });
    expect(created.isError).toBeFalsy();
    const { incident, created: isNew } = created.structuredContent as { incident: Incident; created: boolean };
    expect(isNew).toBe(true);
    expect(incident).toMatchObject({ state: 'new', priority: 3 });
    expect(incident.number).toMatch(/^INC\d{7}$/);
    expect(incident.work_notes).toContain('Caller phoned in');

    const updated = await call('sam', 'update_incident', { incident: incident.number, state: 'in_progress', work_note: 'Power-cycled the reader' });
    expect(updated.isError).toBeFalsy();
    expect((updated.structuredContent as { incident: Incident }).incident).toMatchObject({ state: 'in_progress' });
    expect((updated.structuredContent as { incident: Incident }).incident.work_notes).toMatch(/Power-cycled[\s\S]*Caller phoned in/);

    const resolved = await call('sam', 'resolve_incident', { incident: incident.number, close_code: 'Solution provided', close_notes: 'Reader replaced' });
    expect(resolved.isError).toBeFalsy();
    expect((resolved.structuredContent as { incident: Incident }).incident).toMatchObject({ state: 'resolved', close_code: 'Solution provided' });
    expect(text(resolved)).toContain(incident.number);

    const got = await call('dave', 'get_incident', { incident: incident.sys_id });
    expect((got.structuredContent as { incident: Incident }).incident.state).toBe('resolved');
  });

  it('holds the priority-1 rule: the service desk cannot open or raise P1, nothing is written; admin can', async () => {
    const before = writes();
    const denied = await call('sam', 'create_incident', { short_description: 'Whole site down', impact: 1, urgency: 1 });
    expect(denied.isError).toBe(true);
    expect(text(denied)).toMatch(/^Permission denied: .*priority 1/);
    expect(denied._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
    // INC0010002 has impact 2, urgency 2: impact 1 + urgency 1 would make it P1.
    const raise = await call('sam', 'update_incident', { incident: 'INC0010002', impact: 1, urgency: 1 });
    expect(raise.isError).toBe(true);
    expect(text(raise)).toContain('priority 1');
    expect(writes()).toBe(before);
    // Working an incident that is already P1 stays allowed.
    const note = await call('sam', 'update_incident', { incident: 'INC0010001', work_note: 'Customer asked for an update' });
    expect(note.isError).toBeFalsy();

    const admin = await call('alice', 'create_incident', { short_description: 'Whole site down', impact: 1, urgency: 1, assignment_group: 'Network' });
    expect(admin.isError).toBeFalsy();
    expect((admin.structuredContent as { incident: Incident }).incident.priority).toBe(1);
  });

  it('creates an incident once per correlation id', async () => {
    const args = { short_description: 'Deployment dep-42 failed', impact: 2, urgency: 3, correlation_id: 'deploy-dep-42' };
    const first = await call('nina', 'create_incident', args);
    const second = await call('nina', 'create_incident', { ...args, short_description: 'retry' });
    const a = first.structuredContent as { incident: Incident; created: boolean };
    const b = second.structuredContent as { incident: Incident; created: boolean };
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.incident.number).toBe(a.incident.number);
    expect(h.sim.state.tables.incident.filter((r) => r['correlation_id'] === 'deploy-dep-42')).toHaveLength(1);
    expect(text(second)).toContain('same correlation_id');
  });

  it('pages through incidents', async () => {
    const p1 = (await call('dave', 'search_incidents', { limit: 4 })).structuredContent as { incidents: Incident[]; total: number; next_offset: number | null };
    expect(p1.incidents).toHaveLength(4);
    expect(p1.total).toBe(h.sim.state.tables.incident.length);
    expect(p1.next_offset).toBe(4);
    const p2 = (await call('dave', 'search_incidents', { limit: 4, offset: 4 })).structuredContent as { incidents: Incident[] };
    expect(p2.incidents.map((i) => i.number)).not.toContain(p1.incidents[0]?.number);
    const network = (await call('dave', 'search_incidents', { assignment_group: 'Network', active: true, priority: [1] })).structuredContent as { incidents: Incident[]; next_offset: number | null };
    expect(network.incidents.map((i) => i.number)).toContain('INC0010001');
    expect(network.next_offset).toBeNull();
  });

  it('rejects query text that would inject encoded-query terms', async () => {
    const before = requests();
    const r = await call('dave', 'search_incidents', { text: 'vpn^NQactive=false' });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('text');
    expect(requests()).toBe(before);
  });

  it('does not let the service desk approve or move a change, and nothing reaches ServiceNow', async () => {
    const before = requests();
    const approve = await call('sam', 'approve_change_request', { change: 'CHG0030003' });
    expect(approve.isError).toBe(true);
    expect(text(approve)).toMatch(/^Permission denied: .*approving a change request/);
    const move = await call('sam', 'transition_change_request', { change: 'CHG0030002', state: 'authorize' });
    expect(move.isError).toBe(true);
    expect(text(move)).toContain('Permission denied');
    const raise = await call('sam', 'create_change_request', { short_description: 'x' });
    expect(raise.isError).toBe(true);
    expect(requests()).toBe(before);
    expect(h.sim.state.tables.change_request.find((c) => c['number'] === 'CHG0030003')?.['state']).toBe('-3');
  });

  it('runs a change: nina raises and moves it, cannot approve; alice approves; nina implements and closes', async () => {
    const raised = await call('nina', 'create_change_request', {
      short_description: 'Add VLAN 140 to SJC-01 access switches',
      type: 'normal',
      risk: 'low',
      assignment_group: 'Network',
      start_date: '2026-12-01T22:00:00Z',
      end_date: '2026-12-01T23:00:00Z',
      correlation_id: 'deploy-dep-43',
    });
    expect(raised.isError).toBeFalsy();
    const change = (raised.structuredContent as { change_request: Change }).change_request;
    expect(change).toMatchObject({ state: 'new', approval: 'not requested' });
    expect(h.sim.state.tables.change_request.find((c) => c['sys_id'] === change.sys_id)?.['start_date']).toBe('2026-12-01 22:00:00');

    const again = await call('nina', 'create_change_request', { short_description: 'retry', correlation_id: 'deploy-dep-43' });
    expect((again.structuredContent as { change_request: Change; created: boolean }).created).toBe(false);

    for (const state of ['assess', 'authorize']) {
      const r = await call('nina', 'transition_change_request', { change: change.number, state });
      expect(r.isError).toBeFalsy();
    }
    const writesBefore = writes();
    const selfApprove = await call('nina', 'transition_change_request', { change: change.number, state: 'scheduled' });
    expect(selfApprove.isError).toBe(true);
    expect(text(selfApprove)).toContain('approving a change request (authorize -> scheduled) requires group change-approvers or admin');
    const approveTool = await call('nina', 'approve_change_request', { change: change.number });
    expect(approveTool.isError).toBe(true);
    expect(writes()).toBe(writesBefore);

    const approved = await call('alice', 'approve_change_request', { change: change.number, comment: 'CAB approved' });
    expect(approved.isError, text(approved)).toBeFalsy();
    expect(approved.structuredContent).toMatchObject({
      change_request: { state: 'scheduled', approval: 'approved' },
      approval: { approver: 'alice', decision: 'approved', comment: 'CAB approved', recorded: true },
    });
    // Recorded as ServiceNow records it: alice's own approval record is approved, carol's request is no longer required.
    const records = h.sim.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === change.sys_id);
    expect(records.map((a) => [h.sim.state.tables.sys_user.find((u) => u['sys_id'] === a['approver'])?.['user_name'], a['state'], a['comments']]).sort()).toEqual([
      ['alice', 'approved', 'CAB approved'],
      ['carol', 'not_required', ''],
    ]);

    const skip = await call('nina', 'transition_change_request', { change: change.number, state: 'closed', close_code: 'successful', close_notes: 'done' });
    expect(skip.isError).toBe(true);
    expect(text(skip)).toContain('Invalid state transition from Scheduled to Closed');
    expect(skip._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_UPSTREAM_REJECTED' });

    for (const state of ['implement', 'review']) expect((await call('nina', 'transition_change_request', { change: change.number, state })).isError).toBeFalsy();
    const closed = await call('nina', 'transition_change_request', { change: change.number, state: 'closed', close_code: 'successful', close_notes: 'VLAN live' });
    expect(closed.isError).toBeFalsy();
    expect((closed.structuredContent as { change_request: Change; previous_state: string })).toMatchObject({ change_request: { state: 'closed' }, previous_state: 'review' });
  });

  it('four eyes on approvals: the change\'s requester may not approve it; an approver without a pending approval is refused by ServiceNow', async () => {
    const raised = await call('nina', 'create_change_request', { short_description: 'Four-eyes test', type: 'normal' });
    const change = (raised.structuredContent as { change_request: Change }).change_request;
    for (const state of ['assess', 'authorize']) expect((await call('nina', 'transition_change_request', { change: change.number, state })).isError).toBeFalsy();
    // Raised in ServiceNow on carol's behalf (requested_by = her sys_user).
    const row = h.sim.state.tables.change_request.find((c) => c['sys_id'] === change.sys_id)!;
    row['requested_by'] = h.sim.state.tables.sys_user.find((u) => u['user_name'] === 'carol')?.['sys_id'] ?? '';
    const before = writes();
    const self = await call('carol', 'approve_change_request', { change: change.number });
    expect(self.isError).toBe(true);
    expect(text(self)).toContain('four-eyes: carol requested');
    expect(self._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
    expect(writes()).toBe(before);
    // The policy lets alice (admin) approve, but ServiceNow has no approval of hers on this change (say, removed from it): refused, nothing written.
    const alices = h.sim.state.tables.sysapproval_approver.find((a) => a['sysapproval'] === change.sys_id && a['approver'] !== row['requested_by'])!;
    alices['state'] = 'cancelled';
    const none = await call('alice', 'approve_change_request', { change: change.number });
    expect(none.isError).toBe(true);
    expect(text(none)).toContain('no approval of this change is pending for alice');
    expect(none._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_UPSTREAM_REJECTED' });
    expect(writes()).toBe(before);
    expect(row['state']).toBe('-3');
  });

  it('refuses a whitespace-only work note before anything is created (no incident, so a retry cannot duplicate)', async () => {
    const before = writes();
    const incidents = h.sim.state.tables.incident.length;
    const r = await call('sam', 'create_incident', { short_description: 'Printer on fire', work_note: ' \n\t ' });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('work_note: must not be blank (whitespace only)');
    expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_VALIDATION', retryable: false });
    expect(writes()).toBe(before);
    expect(h.sim.state.tables.incident.length).toBe(incidents);
  });

  it('makes creates idempotent by default: a retried or concurrent identical create returns the first record, a different one creates', async () => {
    const before = h.sim.state.tables.incident.length;
    const args = { short_description: `Switch stack reboot loop ${Date.now()}`, impact: 2, urgency: 2, work_note: 'seen at 10:02' };
    const sam = await h.client('sam');
    const [a, b] = (await Promise.all([sam.callTool({ name: 'create_incident', arguments: args }), sam.callTool({ name: 'create_incident', arguments: args })])) as CallToolResult[];
    const retry = await call('sam', 'create_incident', args);
    const numbers = [a, b, retry].map((r) => (r!.structuredContent as { incident: Incident }).incident.number);
    expect(new Set(numbers).size).toBe(1);
    expect([a, b, retry].map((r) => (r!.structuredContent as { created: boolean }).created).sort()).toEqual([false, false, true]);
    expect(h.sim.state.tables.incident.length).toBe(before + 1);
    // The work note went in with the insert (one write), not after it.
    expect((retry.structuredContent as { incident: Incident }).incident.work_notes).toContain('seen at 10:02');
    // Another caller, or other arguments, is another incident.
    const other = await call('nina', 'create_incident', args);
    expect((other.structuredContent as { created: boolean }).created).toBe(true);
    const different = await call('sam', 'create_incident', { ...args, urgency: 3 });
    expect((different.structuredContent as { created: boolean }).created).toBe(true);
    expect(h.sim.state.tables.incident.length).toBe(before + 3);

    const change = { short_description: `Replace PSU ${Date.now()}`, correlation_id: undefined };
    const c1 = await call('nina', 'create_change_request', { short_description: change.short_description });
    const c2 = await call('nina', 'create_change_request', { short_description: change.short_description });
    expect((c2.structuredContent as { change_request: Change; created: boolean })).toMatchObject({
      created: false,
      change_request: { number: (c1.structuredContent as { change_request: Change }).change_request.number },
    });
  });

  it('lets the policy decide the change type: standard only from an approved standard-change template, emergency only for admins', async () => {
    const before = writes();
    const noTemplate = await call('nina', 'create_change_request', { short_description: 'skip approval', type: 'standard', standard_template: 'std-made-up' });
    expect(noTemplate.isError).toBe(true);
    expect(text(noTemplate)).toContain('a standard change must follow an approved standard-change template (standard_template)');
    const missing = await call('nina', 'create_change_request', { short_description: 'skip approval', type: 'standard' });
    expect(missing._meta?.['io.mcp-platform/error']).toMatchObject({ code: expect.stringMatching(/^ERR_(AUTHZ_DENIED|VALIDATION)$/) });
    const emergency = await call('nina', 'create_change_request', { short_description: 'now', type: 'emergency' });
    expect(text(emergency)).toContain('raising a change of type emergency requires group admin');
    expect(writes()).toBe(before);

    // An approved template: raised as standard and scheduled without an approver.
    const std = await call('nina', 'create_change_request', { short_description: 'VLAN for printers', type: 'standard', standard_template: 'std-access-vlan' });
    expect(std.isError, text(std)).toBeFalsy();
    const change = (std.structuredContent as { change_request: Change & { standard_template: string; type: string } }).change_request;
    expect(change).toMatchObject({ type: 'standard', standard_template: 'std-access-vlan' });
    const scheduled = await call('nina', 'transition_change_request', { change: change.number, state: 'scheduled' });
    expect(scheduled.isError, text(scheduled)).toBeFalsy();

    // A standard change raised outside the platform without a template cannot be fast-tracked through it.
    const { username, password } = DEV_SECRETS.servicenow;
    const res = await fetch(new URL('/api/now/table/change_request', h.sim.url), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ short_description: 'raised directly', type: 'standard' }),
    });
    const direct = ((await res.json()) as { result: { number: string } }).result.number;
    const m = writes();
    const fastTrack = await call('alice', 'transition_change_request', { change: direct, state: 'scheduled' });
    expect(fastTrack.isError).toBe(true);
    expect(text(fastTrack)).toContain('a standard change without an approved standard-change template cannot skip approval');
    expect(writes()).toBe(m);
    expect(h.sim.state.tables.change_request.find((c) => c['number'] === direct)?.['state']).toBe('-5');
  });

  it('retries a read through a 429 (Retry-After) and reports a rate-limited write without repeating it', async () => {
    h.sim.failNext(1, 429, { retryAfterSeconds: 1 });
    const n = requests();
    const read = await call('dave', 'get_change_request', { change: SERVICENOW_SEED_IDS.change(1) });
    expect(read.isError).toBeFalsy();
    expect(h.sim.state.requests.slice(n).map((r) => r.status)).toEqual([429, 200]);

    const m = requests();
    h.sim.failNext(1, 429, { retryAfterSeconds: 2, method: 'POST' });
    const write = await call('sam', 'create_incident', { short_description: 'Rate limited' });
    expect(write.isError).toBe(true);
    expect(write._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_UPSTREAM_RATE_LIMITED', retryable: true, retryAfterMs: 2_000 });
    expect(text(write)).toBe('ServiceNow is rate limiting requests; try again in 2 s.');
    // The idempotency lookup, then the one POST (never repeated; a retry of the call is safe: it looks up first).
    expect(h.sim.state.requests.slice(m).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 429']);
  });

  it('binds the decision to the write with the in-process lock too: concurrent impact 1 + urgency 1 from sam never yield priority 1', async () => {
    const sam = await h.client('sam');
    for (let i = 0; i < 6; i++) {
      const created = await call('sam', 'create_incident', { short_description: `in-process race ${i}`, impact: 2, urgency: 2 });
      const { sys_id, number } = (created.structuredContent as { incident: Incident }).incident;
      await Promise.all([sam.callTool({ name: 'update_incident', arguments: { incident: number, impact: 1 } }), sam.callTool({ name: 'update_incident', arguments: { incident: sys_id, urgency: 1 } })]);
      expect(h.sim.state.tables.incident.find((r) => r['sys_id'] === sys_id)?.['priority']).not.toBe('1');
    }
  });

  it('writes ECS lines and never logs the ServiceNow password or a token', async () => {
    const calls = h.logs.filter((l) => (l['event'] as Record<string, unknown>)?.['action'] === 'tool-call');
    expect(calls.length).toBeGreaterThan(10);
    for (const line of h.logs) expect(line['service']).toMatchObject({ name: 'mcp-itsm', version: '0.1.0' });
    const raw = h.rawLogs();
    expect(raw).not.toContain('dev-only-servicenow-password');
    expect(raw).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});

// Last: the probe stops the IdP.
describe('auth edges (same on every surface)', () => {
  it('answers no credentials with a 401 challenge naming no error, a missing scope with 403, and an unreachable IdP with 503 + Retry-After', async () => {
    await expectMcpAuthEdges(h);
  });
});
