import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICENOW_SEED_IDS, startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceNowClient, nextOffsetFromLink, type ServiceNowClient } from './client.ts';
import { encodeQuery } from './query.ts';

const CREDS = { username: 'admin', password: 'test-servicenow-password' };
const OAUTH = { clientId: 'mcp-itsm', clientSecret: 'test-oauth-secret' };

let sim: ServiceNowSimulator;
let sn: ServiceNowClient;

const fast = { retry: { initialDelayMs: 1, maxDelayMs: 2_000 } };

beforeAll(async () => {
  sim = await startServiceNowSimulator({ port: 0, ...CREDS, oauthClient: OAUTH });
  sn = createServiceNowClient({ instanceUrl: sim.url, credentials: async () => CREDS, policy: fast });
});
afterAll(async () => {
  await sn?.close();
  await sim?.stop();
});

const requestsSince = (n: number) => sim.state.requests.slice(n);

describe('encodeQuery', () => {
  it('joins AND / OR clauses and order terms', () => {
    expect(
      encodeQuery(
        [
          { field: 'active', op: '=', value: true },
          { anyOf: [{ field: 'priority', op: '=', value: 1 }, { field: 'priority', op: '=', value: 2 }] },
          { field: 'state', op: 'IN', value: [1, 2] },
          { field: 'assignment_group.name', op: 'STARTSWITH', value: 'Net' },
          { field: 'close_code', op: 'ISEMPTY' },
        ],
        [{ field: 'sys_updated_on', desc: true }, { field: 'number' }],
      ),
    ).toBe('active=true^priority=1^ORpriority=2^stateIN1,2^assignment_group.nameSTARTSWITHNet^close_codeISEMPTY^ORDERBYDESCsys_updated_on^ORDERBYnumber');
  });

  it('refuses a caret in a value (no escape exists: it would inject query terms) and bad field names', () => {
    expect(() => encodeQuery([{ field: 'short_description', op: 'LIKE', value: 'vpn^NQactive=false' }])).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
    expect(() => encodeQuery([{ field: 'state', op: 'IN', value: ['1,2'] }])).toThrow(/comma/);
    expect(() => encodeQuery([{ field: 'Bad Field', op: '=', value: 'x' }])).toThrow(TypeError);
  });

  it('reads the next offset from a Link header', () => {
    const link = '<https://x/api/now/table/incident?sysparm_offset=0&sysparm_limit=2>;rel="first",<https://x/api/now/table/incident?sysparm_offset=4&sysparm_limit=2>;rel="next",<https://x/api/now/table/incident?sysparm_offset=8&sysparm_limit=2>;rel="last"';
    expect(nextOffsetFromLink(link)).toBe(4);
    expect(nextOffsetFromLink(undefined)).toBeNull();
  });
});

describe('ServiceNow client against the simulator', () => {
  it('searches incidents with an encoded query and returns values with display values', async () => {
    const page = await sn.searchIncidents({
      query: encodeQuery([{ field: 'assignment_group.name', op: '=', value: 'Network' }, { field: 'active', op: '=', value: true }], [{ field: 'number' }]),
      limit: 50,
    });
    expect(page.records.map((r) => r.number.value)).toEqual(['INC0010001', 'INC0010002', 'INC0010005', 'INC0010007']);
    const first = page.records[0]!;
    expect(first.state).toEqual({ value: '2', display: 'In Progress' });
    expect(first.priority).toEqual({ value: '1', display: '1 - Critical' });
    expect(first.assignment_group).toEqual({ value: SERVICENOW_SEED_IDS.groups.network, display: 'Network' });
    expect(first.work_notes.display).toContain('Dispatched on-site engineer');
    expect(page.total).toBe(4);
    expect(page.nextOffset).toBeNull();
    const last = sim.state.requests.at(-1)!;
    expect(last.query).toMatchObject({ sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true', sysparm_limit: '50', sysparm_offset: '0' });
    expect(last.query['sysparm_fields']).toContain('short_description');
  });

  it('pages with sysparm_limit / sysparm_offset, X-Total-Count and the Link header', async () => {
    const p1 = await sn.searchIncidents({ query: 'ORDERBYnumber', limit: 4 });
    expect(p1.total).toBe(sim.state.tables.incident.length);
    expect(p1.nextOffset).toBe(4);
    const p2 = await sn.searchIncidents({ query: 'ORDERBYnumber', limit: 4, offset: p1.nextOffset! });
    expect(p2.records[0]!.number.value).toBe('INC0010005');
    const p3 = await sn.searchIncidents({ query: 'ORDERBYnumber', limit: 4, offset: 8 });
    expect(p3.nextOffset).toBeNull();
  });

  it('gets an incident by sys_id and by number, and reports an unknown one as not found', async () => {
    const byId = await sn.getIncident(SERVICENOW_SEED_IDS.incident(3));
    expect(byId.number.value).toBe('INC0010003');
    const byNumber = await sn.getIncident('inc0010003');
    expect(byNumber.sys_id).toBe(SERVICENOW_SEED_IDS.incident(3));
    await expect(sn.getIncident('INC0099999')).rejects.toMatchObject({ code: 'ERR_UPSTREAM_NOT_FOUND' });
    await expect(sn.getIncident('f'.repeat(32))).rejects.toMatchObject({ code: 'ERR_UPSTREAM_NOT_FOUND', message: expect.stringContaining('No Record found') });
  });

  it('creates, updates (work note) and resolves an incident', async () => {
    const { record, created } = await sn.createIncident({ short_description: 'Switch port flapping', impact: 2, urgency: 1, assignment_group: 'Network' });
    expect(created).toBe(true);
    expect(record.number.value).toMatch(/^INC\d{7}$/);
    expect(record.priority.value).toBe('2');
    expect(record.assignment_group.display).toBe('Network');
    const updated = await sn.updateIncident(record.sys_id, { state: 'in_progress', workNote: 'Looking at the port counters' });
    expect(updated.state.display).toBe('In Progress');
    expect(updated.work_notes.display).toContain('Looking at the port counters');
    await expect(sn.updateIncident(record.sys_id, { state: 'resolved' })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_REJECTED',
      status: 403,
      message: expect.stringContaining('Resolution code'),
    });
    const resolved = await sn.resolveIncident(record.sys_id, { closeCode: 'Solution provided', closeNotes: 'Replaced the SFP' });
    expect(resolved.state).toEqual({ value: '6', display: 'Resolved' });
    expect(resolved.active.value).toBe('false');
  });

  it('writes only while sys_mod_count is the version the caller decided on (ResourceChangedError, nothing written, otherwise)', async () => {
    const { record } = await sn.createIncident({ short_description: 'Versioned', impact: 3, urgency: 3 });
    expect(record.sys_mod_count.value).toBe('0');
    const v1 = await sn.updateIncident(record.sys_id, { impact: 2 }, { expectedModCount: '0' });
    expect(v1.sys_mod_count.value).toBe('1');
    const n = sim.state.requests.length;
    await expect(sn.updateIncident(record.sys_id, { impact: 1, urgency: 1 }, { expectedModCount: '0' })).rejects.toMatchObject({ code: 'ERR_RESOURCE_CHANGED' });
    expect(requestsSince(n).map((r) => r.method)).toEqual(['GET']);
    expect((await sn.getIncident(record.sys_id)).priority.value).not.toBe('1');
  });

  it('creates idempotently by correlation id: the second call returns the first record', async () => {
    const before = sim.state.tables.incident.length;
    const a = await sn.createIncident({ short_description: 'From workflow', impact: 3, urgency: 3 }, { correlationId: 'wf-run-77' });
    const b = await sn.createIncident({ short_description: 'From workflow (retry)', impact: 3, urgency: 3 }, { correlationId: 'wf-run-77' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.record.sys_id).toBe(a.record.sys_id);
    expect(b.record.correlation_id.value).toBe('wf-run-77');
    expect(sim.state.tables.incident.length).toBe(before + 1);
  });

  it('moves a change through the state model and surfaces a refused transition', async () => {
    const { record } = await sn.createChangeRequest({ short_description: 'Add VLAN 130', type: 'normal', risk: 'low' }, { correlationId: 'chg-wf-1' });
    expect(record.state).toEqual({ value: '-5', display: 'New' });
    await expect(sn.updateChangeRequest(record.sys_id, { state: 'implement' })).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_REJECTED',
      status: 403,
      message: expect.stringContaining('Invalid state transition from New to Implement'),
    });
    for (const state of ['assess', 'authorize'] as const) {
      expect((await sn.updateChangeRequest(record.sys_id, { state })).state.display.toLowerCase()).toBe(state);
    }
    // Approval goes through the approval records, not a PATCH of state.
    await expect(sn.updateChangeRequest(record.sys_id, { state: 'scheduled' })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_REJECTED', status: 403 });
    expect((await sn.decideChangeApproval(record.sys_id, { approver: 'carol', decision: 'approved' })).change?.state.value).toBe('-2');
    for (const state of ['implement', 'review'] as const) {
      expect((await sn.updateChangeRequest(record.sys_id, { state })).state.display.toLowerCase()).toBe(state);
    }
    const closed = await sn.updateChangeRequest(record.sys_id, { state: 'closed', closeCode: 'successful', closeNotes: 'Done' });
    expect(closed.state.display).toBe('Closed');
    expect(closed.approval.value).toBe('approved');
    expect((await sn.getChangeRequest(closed.number.value)).sys_id).toBe(record.sys_id);
  });

  it('finds a sys_user by user_name (the reference a change\'s requested_by takes); none for an unknown name; refuses a name it would put into a query unsafely', async () => {
    const carol = await sn.findUserByName('carol');
    expect(carol).toEqual({ sysId: sim.state.tables.sys_user.find((u) => u['user_name'] === 'carol')?.['sys_id'], userName: 'carol' });
    expect(await sn.findUserByName('nobody-here')).toBeUndefined();
    await expect(sn.findUserByName('carol^ORuser_nameISNOTEMPTY')).rejects.toBeInstanceOf(TypeError);
    const { record } = await sn.createChangeRequest({ short_description: 'requested by carol', type: 'normal', ...(carol ? { requested_by: carol.sysId } : {}) }, { correlationId: 'requested-by-1' });
    expect(record.requested_by).toMatchObject({ value: carol?.sysId });
  });

  describe('change approvals (sysapproval_approver)', () => {
    async function changeInAuthorize(key: string): Promise<string> {
      const { record } = await sn.createChangeRequest({ short_description: `Approval ${key}`, type: 'normal' }, { correlationId: key });
      for (const state of ['assess', 'authorize'] as const) await sn.updateChangeRequest(record.sys_id, { state });
      return record.sys_id;
    }
    const decisions = (sysId: string) => sim.state.tables.sysapproval_approver.filter((a) => a['sysapproval'] === sysId && ['approved', 'rejected'].includes(a['state'] ?? ''));

    it('records the approver\'s decision in their own approval record, then reads the change (Scheduled)', async () => {
      const id = await changeInAuthorize('appr-1');
      expect((await sn.searchChangeApprovals(id)).map((a) => [a['approver.user_name'].value, a.state.value])).toEqual([['alice', 'requested'], ['carol', 'requested']]);
      const outcome = await sn.decideChangeApproval(id, { approver: 'carol', decision: 'approved', comments: 'CAB approved' });
      expect(outcome).toMatchObject({ recorded: true, approval: { 'approver.user_name': { value: 'carol' }, state: { value: 'approved' }, comments: { value: 'CAB approved' } } });
      expect(outcome.change).toMatchObject({ state: { value: '-2', display: 'Scheduled' }, approval: { value: 'approved' } });
      expect(decisions(id)).toHaveLength(1);
    });

    it('is idempotent: a retry, or a second approver after the decision, writes nothing and answers the decision that counts', async () => {
      const id = await changeInAuthorize('appr-2');
      await sn.decideChangeApproval(id, { approver: 'carol', decision: 'approved' });
      const n = sim.state.requests.length;
      const retry = await sn.decideChangeApproval(id, { approver: 'carol', decision: 'approved' });
      const other = await sn.decideChangeApproval(id, { approver: 'alice', decision: 'approved' });
      for (const o of [retry, other]) expect(o).toMatchObject({ recorded: false, approval: { 'approver.user_name': { value: 'carol' }, state: { value: 'approved' } } });
      expect(requestsSince(n).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(decisions(id)).toHaveLength(1);
    });

    it('a rejection (with its reason) sends the change back to New; no pending approval or no reason is refused', async () => {
      const id = await changeInAuthorize('appr-3');
      await expect(sn.decideChangeApproval(id, { approver: 'alice', decision: 'rejected' })).rejects.toThrow(TypeError);
      await expect(sn.decideChangeApproval(id, { approver: 'david.loo', decision: 'approved' })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_REJECTED', message: expect.stringContaining('no approval of this change is pending for david.loo') });
      await expect(sn.decideChangeApproval(id, { approver: 'carol^ORstate=requested', decision: 'approved' })).rejects.toThrow(TypeError);
      const outcome = await sn.decideChangeApproval(id, { approver: 'alice', decision: 'rejected', comments: 'no rollback plan' });
      expect(outcome.change).toMatchObject({ state: { value: '-5' }, approval: { value: 'rejected' } });
      // Asked again: the rejection is the decision that counts…
      expect(await sn.decideChangeApproval(id, { approver: 'carol', decision: 'approved' })).toMatchObject({ recorded: false, approval: { state: { value: 'rejected' }, 'approver.user_name': { value: 'alice' } } });
      // …until the change is submitted again: a new round of approvals, the old rejection no longer counts.
      for (const state of ['assess', 'authorize'] as const) await sn.updateChangeRequest(id, { state });
      const second = await sn.decideChangeApproval(id, { approver: 'carol', decision: 'approved', comments: 'rollback plan added' });
      expect(second).toMatchObject({ recorded: true, approval: { 'approver.user_name': { value: 'carol' } }, change: { state: { value: '-2' } } });
    });

    it('a PATCH refused with 503 is looked up before it is reported failed, and nothing is claimed', async () => {
      const id = await changeInAuthorize('appr-4');
      sim.failNext(1, 503, { method: 'PATCH' });
      await expect(sn.decideChangeApproval(id, { approver: 'carol', decision: 'approved' })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE' });
      expect(decisions(id)).toEqual([]);
      // The lookup ran (a GET after the failed PATCH), and a retry then records the decision once.
      expect((await sn.decideChangeApproval(id, { approver: 'carol', decision: 'approved' })).recorded).toBe(true);
      expect(decisions(id)).toHaveLength(1);
    });
  });

  it('retries a GET after 429, waiting Retry-After', async () => {
    const n = sim.state.requests.length;
    sim.failNext(1, 429, { retryAfterSeconds: 1 });
    const started = Date.now();
    const page = await sn.searchChangeRequests({ limit: 1 });
    expect(page.records).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(requestsSince(n).map((r) => r.status)).toEqual([429, 200]);
  });

  it('does not retry a POST after 429: the caller gets ERR_UPSTREAM_RATE_LIMITED with retryAfterMs', async () => {
    const n = sim.state.requests.length;
    const before = sim.state.tables.incident.length;
    sim.failNext(1, 429, { retryAfterSeconds: 2 });
    await expect(sn.createIncident({ short_description: 'rate limited' })).rejects.toMatchObject({ code: 'ERR_UPSTREAM_RATE_LIMITED', retryAfterMs: 2000 });
    expect(requestsSince(n).map((r) => `${r.method} ${r.status}`)).toEqual(['POST 429']);
    expect(sim.state.tables.incident.length).toBe(before);
  });

  it('maps rejected Basic credentials to ERR_UPSTREAM_AUTH without retrying them', async () => {
    const bad = createServiceNowClient({ instanceUrl: sim.url, credentials: async () => ({ username: 'admin', password: 'wrong' }), policy: fast });
    const n = sim.state.requests.length;
    const err = await bad.searchIncidents().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_UPSTREAM_AUTH', status: 401 });
    expect(String((err as Error).message)).not.toContain('wrong');
    expect(requestsSince(n)).toHaveLength(1);
    await bad.close();
  });

  it('uses OAuth client credentials, caches the token, and gets a new one after a 401', async () => {
    let reads = 0;
    const oauth = createServiceNowClient({ instanceUrl: sim.url, credentials: async () => (reads++, OAUTH), policy: fast });
    await oauth.searchIncidents({ limit: 1 });
    await oauth.searchIncidents({ limit: 1 });
    expect(reads).toBe(1);
    sim.expireTokens();
    await oauth.searchIncidents({ limit: 1 });
    expect(reads).toBe(2);
    const tokenCalls = sim.state.requests.filter((r) => r.path === '/oauth_token.do');
    expect(tokenCalls.every((r) => r.status === 200)).toBe(true);
    await oauth.close();

    const badOauth = createServiceNowClient({ instanceUrl: sim.url, credentials: async () => ({ ...OAUTH, clientSecret: 'nope' }), policy: fast });
    await expect(badOauth.searchIncidents()).rejects.toMatchObject({ code: 'ERR_UPSTREAM_AUTH' });
    await badOauth.close();
  });
});

/**
 * A proxy in front of a simulator: `renameInQueries` renames a field in every `sysparm_query` (the instance then
 * drops that condition); `loseAnswerOf` forwards requests of that method but answers 503 after the simulator
 * handled them (the write happened, its answer was lost).
 */
async function proxyTo(own: ServiceNowSimulator, options: { renameInQueries?: string; loseAnswerOf?: string }) {
  const proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', own.url);
    const q = url.searchParams.get('sysparm_query');
    if (q !== null && options.renameInQueries) url.searchParams.set('sysparm_query', q.replaceAll(options.renameInQueries, `${options.renameInQueries}x`));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>;
      void fetch(url, { method: req.method ?? 'GET', headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) }).then(async (r) => {
        if (req.method === options.loseAnswerOf) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'Service Unavailable', detail: 'answer lost' }, status: 'failure' }));
          return;
        }
        res.writeHead(r.status, Object.fromEntries([...r.headers].filter(([k]) => k !== 'content-encoding' && k !== 'content-length')));
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const client = createServiceNowClient({ instanceUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, credentials: async () => CREDS, policy: fast });
  return {
    client,
    close: async () => {
      await client.close();
      await new Promise((r) => proxy.close(r));
    },
  };
}

describe('queries an instance can evaluate (it drops a condition on an unknown field and matches everything)', () => {
  /** An instance where `field`'s condition is dropped (as for a field it does not know or lets us not read): a proxy renames it in every query. */
  const droppingProxy = (own: ServiceNowSimulator, field: string) => proxyTo(own, { renameInQueries: field });

  it('an approval whose PATCH was applied but whose answer was lost (503 from a proxy) is looked up and reported recorded, once', async () => {
    const own = await startServiceNowSimulator({ port: 0, ...CREDS });
    const lossy = await proxyTo(own, { loseAnswerOf: 'PATCH' });
    const direct = createServiceNowClient({ instanceUrl: own.url, credentials: async () => CREDS, policy: fast });
    try {
      const { record } = await direct.createChangeRequest({ short_description: 'lost answer', type: 'normal' }, { correlationId: 'appr-lost' });
      for (const state of ['assess', 'authorize'] as const) await direct.updateChangeRequest(record.sys_id, { state });
      const outcome = await lossy.client.decideChangeApproval(record.sys_id, { approver: 'carol', decision: 'approved', comments: 'ok' });
      expect(outcome).toMatchObject({ recorded: true, approval: { 'approver.user_name': { value: 'carol' }, state: { value: 'approved' } }, change: { state: { value: '-2' } } });
      expect(own.state.requests.filter((r) => r.method === 'PATCH' && r.path.includes('sysapproval_approver'))).toHaveLength(1); // not written twice
    } finally {
      await direct.close();
      await lossy.close();
      await own.stop();
    }
  });

  it('an approval refuses approval records the instance did not filter by change, and decides nothing', async () => {
    const own = await startServiceNowSimulator({ port: 0, ...CREDS });
    const lenient = await droppingProxy(own, 'sysapproval');
    try {
      // Only CHG0030003 has approvals; asked for CHG0030002's, the instance answers every approval record (CHG0030003's).
      const err = await lenient.client.decideChangeApproval(SERVICENOW_SEED_IDS.change(2), { approver: 'carol', decision: 'approved' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_UPSTREAM_INVALID_RESPONSE' });
      expect(own.state.invalidQueries.map((q) => q.fields)).toEqual([['sysapprovalx']]);
      expect(own.state.tables.sysapproval_approver.map((a) => a['state'])).toEqual(['requested', 'requested']);
    } finally {
      await lenient.close();
      await own.stop();
    }
  });

  it('an idempotent create refuses a lookup the instance did not filter, and inserts nothing', async () => {
    // An instance where the lookup's condition is dropped (as for a field it does not know or lets us not read):
    // a proxy renames correlation_id in every query, so the simulator drops that term and returns every record.
    const own = await startServiceNowSimulator({ port: 0, ...CREDS });
    const { client: lenient, close } = await droppingProxy(own, 'correlation_id');
    try {
      const before = own.state.tables.incident.length;
      const err = await lenient.createIncident({ short_description: 'From workflow', impact: 3, urgency: 3 }, { correlationId: 'wf-lenient-1' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_UPSTREAM_INVALID_RESPONSE' });
      expect(own.state.invalidQueries.map((q) => q.fields)).toEqual([['correlation_idx']]); // the instance really dropped it
      expect(own.state.tables.incident.length).toBe(before); // neither a stranger's record taken for ours, nor a blind insert
    } finally {
      await close();
      await own.stop();
    }
  });

  // Last in this file: every query the connector built above named fields the tables have.
  it('no query the connector sent names a field the table lacks', () => {
    expect(sim.state.invalidQueries).toEqual([]);
    expect(sim.state.requests.some((r) => r.query['sysparm_query'] !== undefined)).toBe(true);
  });
});
