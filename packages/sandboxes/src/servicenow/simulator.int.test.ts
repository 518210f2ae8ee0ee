import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEncodedQuery } from './encoded-query.ts';
import { SERVICENOW_SEED_IDS } from './seed.ts';
import { startServiceNowSimulator, type ServiceNowSimulator } from './simulator.ts';

let sim: ServiceNowSimulator;
const auth = { authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` };

beforeAll(async () => {
  sim = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'pw' });
});
afterAll(async () => {
  await sim?.stop();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { ...auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const result = <T = Record<string, unknown>>(r: { body: Record<string, unknown> }) => r.body['result'] as T;

describe('encoded query parser', () => {
  it('reads AND, OR, NQ and ORDERBY', () => {
    expect(parseEncodedQuery('active=true^priority=1^ORpriority=2^NQstate=6^ORDERBYDESCnumber')).toEqual({
      groups: [
        [[{ field: 'active', op: '=', value: 'true' }], [{ field: 'priority', op: '=', value: '1' }, { field: 'priority', op: '=', value: '2' }]],
        [[{ field: 'state', op: '=', value: '6' }]],
      ],
      orderBy: [{ field: 'number', desc: true }],
    });
  });
});

describe('ServiceNow simulator', () => {
  it('rejects requests without valid credentials with the ServiceNow error body', async () => {
    const res = await fetch(`${sim.url}/api/now/table/incident`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' });
  });

  it('filters with LIKE, IN, != and dot-walks, pages with X-Total-Count and Link', async () => {
    const like = await call('GET', '/api/now/table/incident?sysparm_query=short_descriptionLIKEvpn&sysparm_fields=number');
    expect(result<{ number: string }[]>(like).map((r) => r.number)).toEqual(['INC0010002', 'INC0010010']);
    const inq = await call('GET', '/api/now/table/incident?sysparm_query=stateIN6,7,8^ORDERBYDESCnumber&sysparm_fields=number,state');
    expect(result<{ number: string }[]>(inq).map((r) => r.number)).toEqual(['INC0010010', 'INC0010008', 'INC0010006']);
    const walk = await call('GET', '/api/now/table/change_request?sysparm_query=assignment_group.name=Network^state!=3&sysparm_fields=number');
    expect(result<unknown[]>(walk)).toHaveLength(4);
    const page = await call('GET', '/api/now/table/incident?sysparm_limit=3&sysparm_offset=3&sysparm_fields=number');
    expect(page.headers.get('x-total-count')).toBe('10');
    const links = Object.fromEntries(
      (page.headers.get('link') ?? '').split(',').map((part) => {
        const [, url, rel] = /<([^>]+)>;rel="(\w+)"/.exec(part) ?? [];
        return [rel, new URL(url ?? '').searchParams.get('sysparm_offset')];
      }),
    );
    expect(links).toEqual({ first: '0', prev: '0', next: '6', last: '9' });
    // As on an instance (glide.invalid_query.returns_no_rows = false): the condition on an unknown field is dropped.
    const all = result<unknown[]>(await call('GET', '/api/now/table/incident?sysparm_limit=1000'));
    expect(result<unknown[]>(await call('GET', '/api/now/table/incident?sysparm_query=no_such_field=1&sysparm_limit=1000'))).toHaveLength(all.length);
    expect(sim.state.invalidQueries.at(-1)).toEqual({ table: 'incident', query: 'no_such_field=1', fields: ['no_such_field'] });
    expect(result<unknown[]>(await call('GET', '/api/now/table/incident?sysparm_query=no_such_field=1^priority=1&sysparm_limit=1000'))).toEqual(
      result<unknown[]>(await call('GET', '/api/now/table/incident?sysparm_query=priority=1&sysparm_limit=1000')),
    );
  });

  it('with glide.invalid_query.returns_no_rows = true, a condition on an unknown field returns nothing', async () => {
    const strict = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'pw', invalidQueryReturnsNoRows: true });
    try {
      const get = async (q: string) => ((await (await fetch(`${strict.url}/api/now/table/incident?sysparm_query=${q}`, { headers: auth })).json()) as { result: unknown[] }).result;
      expect(await get('no_such_field=1')).toEqual([]);
      expect(await get('assignment_group.no_such_field=1')).toEqual([]);
      expect((await get('priority=1')).length).toBeGreaterThan(0);
    } finally {
      await strict.stop();
    }
  });

  it('serializes values, display values and reference links per sysparm_display_value', async () => {
    const id = SERVICENOW_SEED_IDS.incident(1);
    const raw = result(await call('GET', `/api/now/table/incident/${id}?sysparm_fields=state,assignment_group`));
    expect(raw['state']).toBe('2');
    expect(raw['assignment_group']).toEqual({ link: `${sim.url}/api/now/table/sys_user_group/${SERVICENOW_SEED_IDS.groups.network}`, value: SERVICENOW_SEED_IDS.groups.network });
    const display = result(await call('GET', `/api/now/table/incident/${id}?sysparm_fields=state,assignment_group&sysparm_display_value=true&sysparm_exclude_reference_link=true`));
    expect(display).toEqual({ state: 'In Progress', assignment_group: 'Network' });
    const all = result(await call('GET', `/api/now/table/incident/${id}?sysparm_fields=priority,work_notes&sysparm_display_value=all`));
    expect(all['priority']).toEqual({ display_value: '1 - Critical', value: '1' });
    expect((all['work_notes'] as { display_value: string }).display_value).toMatch(/^2026-11-20 08:00:00 - David Loo \(Work notes\)\nDispatched/);
  });

  it('numbers new incidents, derives priority from impact × urgency, and appends work notes', async () => {
    const created = await call('POST', '/api/now/table/incident', { short_description: 'Test', impact: '1', urgency: '2', priority: '5', assignment_group: 'Service Desk', work_notes: 'first' });
    expect(created.status).toBe(201);
    const rec = result(created);
    expect(rec['number']).toBe('INC0010011');
    expect(rec['priority']).toBe('2');
    expect(rec['state']).toBe('1');
    expect(rec['sys_id']).toMatch(/^[0-9a-f]{32}$/);
    await call('PATCH', `/api/now/table/incident/${String(rec['sys_id'])}`, { work_notes: 'second', urgency: '1' });
    const after = result(await call('GET', `/api/now/table/incident/${String(rec['sys_id'])}?sysparm_display_value=true`));
    expect(after['priority']).toBe('1 - Critical');
    expect(String(after['work_notes'])).toMatch(/second[\s\S]*first/);
    expect(sim.state.journal.filter((j) => j.element_id === rec['sys_id'])).toHaveLength(2);
  });

  it('enforces the change state model (403 with the business rule), approval and cancel', async () => {
    const rec = result(await call('POST', '/api/now/table/change_request', { short_description: 'Model test', type: 'normal' }));
    const path = `/api/now/table/change_request/${String(rec['sys_id'])}`;
    expect(rec['number']).toMatch(/^CHG00300\d\d$/);
    expect(rec['state']).toBe('-5');
    const skip = await call('PATCH', path, { state: '-2' });
    expect(skip.status).toBe(403);
    expect(skip.body).toMatchObject({ status: 'failure', error: { message: 'Operation Failed', detail: expect.stringContaining('Invalid state transition from New to Scheduled') } });
    expect(result((await call('PATCH', path, { state: '-4' })))['state']).toBe('-4');
    expect(result((await call('PATCH', path, { state: '-3' })))['approval']).toBe('requested');
    // Authorize → Scheduled is in the model, but only once approved: a PATCH of state while approvals are pending is refused.
    const early = await call('PATCH', path, { state: '-2' });
    expect(early.status).toBe(403);
    expect(early.body).toMatchObject({ error: { detail: expect.stringContaining('Invalid state transition from Authorize to Scheduled for a normal change before it is approved') } });
    const [approval] = result<{ sys_id: string }[]>(await call('GET', `/api/now/table/sysapproval_approver?sysparm_query=sysapproval=${String(rec['sys_id'])}^approver.user_name=carol`));
    await call('PATCH', `/api/now/table/sysapproval_approver/${approval?.sys_id ?? ''}`, { state: 'approved', comments: 'CAB: go' });
    expect(result(await call('GET', path))).toMatchObject({ state: '-2', approval: 'approved' });
    expect(result((await call('PATCH', path, { state: '4' })))['active']).toBe('false');
    expect((await call('PATCH', path, { state: '-1' })).status).toBe(403);
    const standard = result(await call('POST', '/api/now/table/change_request', { short_description: 'Std', type: 'standard' }));
    expect((await call('PATCH', `/api/now/table/change_request/${String(standard['sys_id'])}`, { state: '-2' })).status).toBe(200);
  });

  it('asks the change-approvers group to approve a normal change entering Authorize; the first approval schedules it, the other requests end', async () => {
    const rec = result(await call('POST', '/api/now/table/change_request', { short_description: 'Approval test', type: 'normal' }));
    const id = String(rec['sys_id']);
    const path = `/api/now/table/change_request/${id}`;
    await call('PATCH', path, { state: '-4' });
    const list = (q: string) => call('GET', `/api/now/table/sysapproval_approver?sysparm_query=${q}&sysparm_fields=sys_id,state,approver.user_name,sysapproval`);
    expect(result<unknown[]>(await list(`sysapproval=${id}`))).toEqual([]); // nothing asked before Authorize
    await call('PATCH', path, { state: '-3' });
    const asked = result<{ sys_id: string; state: string; 'approver.user_name': string; sysapproval: { value: string } }[]>(await list(`sysapproval=${id}^ORDERBYapprover.user_name`));
    expect(asked.map((a) => [a['approver.user_name'], a.state])).toEqual([['alice', 'requested'], ['carol', 'requested']]);
    expect(asked.every((a) => a.sysapproval.value === id)).toBe(true);
    // Query by approver and by state, as the Table API does.
    expect(result<unknown[]>(await list(`sysapproval=${id}^approver.user_name=carol^state=requested`))).toHaveLength(1);
    expect(result<unknown[]>(await list(`sysapproval=${id}^state=approved`))).toHaveLength(0);
    const carols = asked.find((a) => a['approver.user_name'] === 'carol')!;
    const decided = await call('PATCH', `/api/now/table/sysapproval_approver/${carols.sys_id}?sysparm_display_value=all`, { state: 'approved', comments: 'looks good' });
    expect(result(decided)).toMatchObject({ state: { value: 'approved', display_value: 'Approved' }, comments: { value: 'looks good' } });
    expect(result(await call('GET', path))).toMatchObject({ state: '-2', approval: 'approved' });
    const after = result<{ state: string; 'approver.user_name': string }[]>(await list(`sysapproval=${id}^ORDERBYapprover.user_name`));
    expect(after.map((a) => [a['approver.user_name'], a.state])).toEqual([['alice', 'not_required'], ['carol', 'approved']]);
    // A decision on a change that no longer waits for one moves nothing.
    const alices = asked.find((a) => a['approver.user_name'] === 'alice')!;
    await call('PATCH', `/api/now/table/sysapproval_approver/${alices.sys_id}`, { state: 'rejected', comments: 'late' });
    expect(result(await call('GET', path))).toMatchObject({ state: '-2', approval: 'approved' });
    expect((await call('PATCH', `/api/now/table/sysapproval_approver/${alices.sys_id}`, { state: 'maybe' })).status).toBe(403);
  });

  it('a rejection sends a normal change back to New and cancels the pending approvals; so does reverting to New', async () => {
    const open = async () => {
      const rec = result(await call('POST', '/api/now/table/change_request', { short_description: 'Reject test', type: 'normal' }));
      const path = `/api/now/table/change_request/${String(rec['sys_id'])}`;
      await call('PATCH', path, { state: '-4' });
      await call('PATCH', path, { state: '-3' });
      const approvals = () => sim.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === rec['sys_id']);
      return { path, approvals };
    };
    const rejected = await open();
    const alices = rejected.approvals().find((a) => a['approver'] === SERVICENOW_SEED_IDS.users.approverAlice)!;
    await call('PATCH', `/api/now/table/sysapproval_approver/${alices['sys_id'] ?? ''}`, { state: 'rejected', comments: 'no rollback plan' });
    expect(result(await call('GET', rejected.path))).toMatchObject({ state: '-5', approval: 'rejected' });
    expect(rejected.approvals().map((a) => a['state']).sort()).toEqual(['cancelled', 'rejected']);
    const reverted = await open();
    await call('PATCH', reverted.path, { state: '-5' });
    expect(result(await call('GET', reverted.path))).toMatchObject({ state: '-5', approval: 'not requested' });
    expect(reverted.approvals().map((a) => a['state'])).toEqual(['cancelled', 'cancelled']);
  });

  it('Change Management API PATCH /sn_chg_rest/change/{sys_id}/approvals decides the current user\'s own approval only', async () => {
    const change = SERVICENOW_SEED_IDS.change(3); // CHG0030003 waits in Authorize; alice and carol are asked
    const patch = (s: ServiceNowSimulator, user: string, body: unknown) =>
      fetch(`${s.url}/api/sn_chg_rest/change/${change}/approvals`, {
        method: 'PATCH',
        headers: { authorization: `Basic ${Buffer.from(`${user}:pw`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // The integration user (admin) has no approval of its own: refused, nothing decided.
    const asAdmin = await patch(sim, 'admin', { state: 'approved' });
    expect(asAdmin.status).toBe(400);
    expect(await asAdmin.json()).toMatchObject({ status: 'failure', error: { detail: expect.stringContaining('does not have the authority') } });
    expect(sim.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === change).map((a) => a['state'])).toEqual(['requested', 'requested']);
    // Signed in as carol: her approval is decided and the change is scheduled.
    const asCarol = await startServiceNowSimulator({ port: 0, username: 'carol', password: 'pw' });
    try {
      expect((await patch(asCarol, 'carol', { state: 'rejected' })).status).toBe(400); // a rejection needs comments
      const ok = await patch(asCarol, 'carol', { state: 'approved', comments: 'fine' });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { result: { state: { value: string } }[] }).result[0]?.state).toEqual({ value: '-2', display_value: 'Scheduled' });
      expect(asCarol.state.tables.sysapproval_approver.map((a) => a['state']).sort()).toEqual(['approved', 'not_required']);
    } finally {
      await asCarol.stop();
    }
  });

  it('answers injected 429s with Retry-After and records every request', async () => {
    const n = sim.state.requests.length;
    sim.failNext(1, 429, { retryAfterSeconds: 7 });
    const limited = await call('GET', '/api/now/table/incident?sysparm_limit=1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toMatchObject({ status: 'failure', error: { message: 'Too Many Requests' } });
    expect((await call('GET', '/api/now/table/incident?sysparm_limit=1')).status).toBe(200);
    expect(sim.state.requests.slice(n).map((r) => r.status)).toEqual([429, 200]);
  });

  it('answers 404 and 400 like the Table API', async () => {
    expect((await call('GET', `/api/now/table/incident/${'0'.repeat(32)}`)).body).toEqual({
      error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" },
      status: 'failure',
    });
    expect((await call('GET', '/api/now/table/no_table')).status).toBe(400);
  });
});
