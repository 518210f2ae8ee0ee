/**
 * The gateway's differential test: the same corpus of raw HTTP requests goes to a gateway with the fast
 * path and to its SDK-only twin (same configuration, same backends, every request through a per-request
 * SDK server); the answers must be the same (status, media type, caching, the step-up challenge, the
 * JSON-RPC payload), and so must each gateway's audit trail, policy decisions and backend hops. The
 * corpus covers both protocol versions, valid and invalid calls, unknown tools and servers, calls the
 * gateway rule denies and calls a backend's policy denies, step-up (RFC 9470), composite tools, malformed
 * and batched bodies, and the Tasks extension (SEP-2663: a tasks-declaring caller's call and tasks/*
 * take the SDK path on both sides and must answer the same there). Only read tools run, so the two
 * sides see the same upstream state.
 */
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { TASKS_EXTENSION } from '@mcp-platform/mcp-common/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness, type GatewayInstance } from './harness.ts';

let h: GatewayHarness;
let fast: GatewayInstance;
let sdk: GatewayInstance;
const tokens: Record<string, string> = {};

// The corpus is a burst of ~100 requests per side from a few users: far above the default per-user limits.
const GENEROUS = { RATE_LIMIT_PER_SECOND: '10000', RATE_LIMIT_BURST: '10000' };
// Each side probes the backends on its own: on a busy machine a slow /readyz must not take a backend out
// of one side only (that side would answer "unavailable" where the other answers the call).
const PATIENT_HEALTH = { HEALTH_INTERVAL_MS: '1000', HEALTH_TIMEOUT_MS: '5000', HEALTH_DOWN_AFTER: '10' };
// Each side lists a (caller, backend) once: a tool list expiring mid-corpus on one side only would add a hop there.
const LISTS_KEPT = { TOOLS_CACHE_TTL_MS: '600000' };
beforeAll(async () => {
  h = await startGatewayHarness({ ...GENEROUS, ...PATIENT_HEALTH, ...LISTS_KEPT }, { backendEnv: GENEROUS, sdkTwin: true });
  fast = { gateway: h.gateway, url: h.gatewayUrl, logs: h.logs, backendRequests: h.backendRequests };
  if (!h.twin) throw new Error('the harness started no SDK-only twin');
  sdk = h.twin;
  for (const user of ['alice', 'nina', 'sam', 'dave']) tokens[user] = await h.token(user, undefined, { acr: 'pwd' });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const ACCEPT = 'application/json, text/event-stream';
const envelope = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientInfo': { name: 'diff', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const tasksEnvelope = { ...envelope, 'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } } };
const DEVICE = SEED_IDS.devices.sjc01Core01;

interface Case {
  name: string;
  user: string;
  headers: Record<string, string>;
  body: string;
  /** Whether the fast path is expected to answer it (the rest must fall through to the SDK). */
  fast: boolean;
  /** What the (common) answer must be, where "the same" alone could hide a shared failure. */
  check?: (a: Answer) => void;
}
interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  wwwAuthenticate: string | null;
  payload: unknown;
}

const modernHeaders = (method: string, name?: string) => ({
  'content-type': 'application/json',
  accept: ACCEPT,
  'mcp-protocol-version': MODERN,
  'mcp-method': method,
  ...(name !== undefined ? { 'mcp-name': name } : {}),
});
const legacyHeaders = () => ({ 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': LEGACY });
const rpc = (id: unknown, method: string, params: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const call = (name: string, args: unknown, id: unknown, modern: boolean, meta: Record<string, unknown> = envelope) =>
  rpc(id, 'tools/call', { name, ...(args === undefined ? {} : { arguments: args }), ...(modern ? { _meta: meta } : {}) });

const messages = (a: Answer): unknown[] => (Array.isArray(a.payload) ? a.payload : [a.payload]);
const resultOf = (a: Answer) => (messages(a).at(-1) as { result?: Record<string, unknown> } | undefined)?.result ?? {};
const errorOf = (a: Answer) => (messages(a).at(-1) as { error?: { code: number; message: string } } | undefined)?.error;
const codeOf = (a: Answer) => ((resultOf(a)['_meta'] as Record<string, { code?: string }> | undefined)?.['io.mcp-platform/error'])?.code;
const toolNames = (a: Answer) => ((resultOf(a)['tools'] as Array<{ name: string }> | undefined) ?? []).map((t) => t.name);

const corpus: Case[] = [];
for (const [era, modern] of [
  ['modern', true],
  ['legacy', false],
] as const) {
  const h = (name: string) => (modern ? modernHeaders('tools/call', name) : legacyHeaders());
  const list = (user: string, check?: (a: Answer) => void): Case => ({
    name: `${era} tools/list ${user}`,
    user,
    headers: modern ? modernHeaders('tools/list') : legacyHeaders(),
    body: rpc(1, 'tools/list', modern ? { _meta: envelope } : {}),
    fast: true,
    ...(check ? { check } : {}),
  });
  corpus.push(
    list('nina', (a) => expect(toolNames(a)).toEqual(expect.arrayContaining(['network__get_device', 'itsm__search_incidents', 'ops__device_report']))),
    list('sam'),
    list('dave', (a) => expect(toolNames(a).some((n) => n.startsWith('network__'))).toBe(false)),
    list('alice'),
    { name: `${era} get_device`, user: 'nina', headers: h('network__get_device'), body: call('network__get_device', { device_id: DEVICE }, 7, modern), fast: true, check: (a) => expect(resultOf(a)['structuredContent']).toMatchObject({ device: { id: DEVICE } }) },
    { name: `${era} get_device with a string id`, user: 'nina', headers: h('network__get_device'), body: call('network__get_device', { device_id: DEVICE }, 'req-8', modern), fast: true },
    { name: `${era} list_devices`, user: 'sam', headers: h('network__list_devices'), body: call('network__list_devices', { limit: 2 }, 9, modern), fast: true },
    { name: `${era} get_device bad argument (the backend validates)`, user: 'nina', headers: h('network__get_device'), body: call('network__get_device', { device_id: 'not-a-uuid' }, 10, modern), fast: true },
    { name: `${era} get_device without arguments`, user: 'nina', headers: h('network__get_device'), body: call('network__get_device', undefined, 11, modern), fast: true },
    { name: `${era} unknown tool of a known server`, user: 'nina', headers: h('network__nope'), body: call('network__nope', {}, 12, modern), fast: true },
    { name: `${era} unknown server`, user: 'nina', headers: h('billing__get_invoice'), body: call('billing__get_invoice', {}, 13, modern), fast: true, check: (a) => expect(errorOf(a)).toMatchObject({ code: -32602, message: expect.stringMatching(/no server "billing"/) }) },
    { name: `${era} name without a prefix`, user: 'nina', headers: h('get_device'), body: call('get_device', {}, 14, modern), fast: true, check: (a) => expect(errorOf(a)?.code).toBe(-32602) },
    { name: `${era} denied by the gateway rule`, user: 'dave', headers: h('network__get_device'), body: call('network__get_device', { device_id: DEVICE }, 15, modern), fast: true, check: (a) => expect(codeOf(a)).toBe('ERR_AUTHZ_DENIED') },
    {
      name: `${era} denied by the backend policy`,
      user: 'sam',
      headers: h('network__deploy_template'),
      body: call('network__deploy_template', { template_id: SEED_IDS.templates.loginBanner, device_ids: [SEED_IDS.devices.nyc05Acc01], params: {} }, 16, modern),
      fast: true,
      check: (a) => expect(codeOf(a)).toBe('ERR_AUTHZ_DENIED'),
    },
    {
      name: `${era} step-up required (RFC 9470 401)`,
      user: 'alice',
      headers: h('network__deploy_template'),
      body: call('network__deploy_template', { template_id: SEED_IDS.templates.loginBanner, device_ids: [DEVICE] }, 17, modern),
      fast: true,
      check: (a) => {
        expect(a.status).toBe(401);
        expect(a.wwwAuthenticate).toContain('acr_values="mfa"');
      },
    },
    { name: `${era} composite`, user: 'nina', headers: h('ops__device_report'), body: call('ops__device_report', { device_id: DEVICE }, 18, modern), fast: true, check: (a) => expect(resultOf(a)['structuredContent']).toMatchObject({ complete: true }) },
    { name: `${era} composite with a denied hop`, user: 'sam', headers: h('ops__device_report'), body: call('ops__device_report', { device_id: DEVICE }, 19, modern), fast: true, check: (a) => expect(resultOf(a)['structuredContent']).toMatchObject({ complete: false }) },
    { name: `${era} composite bad arguments`, user: 'nina', headers: h('ops__device_report'), body: call('ops__device_report', { device_id: 'x' }, 20, modern), fast: true, check: (a) => expect(errorOf(a)?.code).toBe(-32602) },
    { name: `${era} unknown composite`, user: 'nina', headers: h('ops__nope'), body: call('ops__nope', {}, 21, modern), fast: true },
    { name: `${era} arguments not an object`, user: 'nina', headers: h('network__get_device'), body: call('network__get_device', ['x'], 22, modern), fast: false },
    { name: `${era} notification tools/call`, user: 'nina', headers: h('network__get_device'), body: JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'network__get_device', arguments: { device_id: DEVICE }, ...(modern ? { _meta: envelope } : {}) } }), fast: false },
    { name: `${era} tools/list with a cursor`, user: 'nina', headers: modern ? modernHeaders('tools/list') : legacyHeaders(), body: rpc(23, 'tools/list', { cursor: 'abc', ...(modern ? { _meta: envelope } : {}) }), fast: false },
    { name: `${era} ping`, user: 'nina', headers: modern ? modernHeaders('ping') : legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 24, method: 'ping', ...(modern ? { params: { _meta: envelope } } : {}) }), fast: false },
    { name: `${era} batch of two calls`, user: 'nina', headers: h('network__get_device'), body: `[${call('network__get_device', { device_id: DEVICE }, 25, modern)},${call('network__list_devices', { limit: 1 }, 26, modern)}]`, fast: false },
    { name: `${era} malformed JSON`, user: 'nina', headers: h('network__get_device'), body: '{"jsonrpc":', fast: false, check: (a) => expect(a.status).toBe(400) },
    { name: `${era} task-augmented call`, user: 'nina', headers: h('network__get_device'), body: rpc(27, 'tools/call', { name: 'network__get_device', arguments: { device_id: DEVICE }, task: { ttl: 1000 }, ...(modern ? { _meta: envelope } : {}) }), fast: false },
  );
}
corpus.push(
  { name: 'modern Mcp-Name mismatch', user: 'nina', headers: modernHeaders('tools/call', 'network__list_devices'), body: call('network__get_device', { device_id: DEVICE }, 30, true), fast: false },
  { name: 'modern without the envelope', user: 'nina', headers: modernHeaders('tools/call', 'network__get_device'), body: call('network__get_device', { device_id: DEVICE }, 31, false), fast: false },
  { name: 'modern envelope with a progress token', user: 'nina', headers: modernHeaders('tools/call', 'network__get_device'), body: call('network__get_device', { device_id: DEVICE }, 32, true, { ...envelope, progressToken: 'p' }), fast: false },
  { name: 'legacy with an older revision', user: 'nina', headers: { ...legacyHeaders(), 'mcp-protocol-version': '2025-06-18' }, body: call('network__get_device', { device_id: DEVICE }, 33, false), fast: false },
  { name: 'legacy initialize', user: 'nina', headers: (({ 'mcp-protocol-version': _v, ...rest }) => rest)(legacyHeaders()), body: rpc(34, 'initialize', { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'diff', version: '1' } }), fast: false },
  { name: 'modern server/discover', user: 'nina', headers: modernHeaders('server/discover'), body: rpc(35, 'server/discover', { _meta: envelope }), fast: false },
  // The Tasks extension (SEP-2663): a declaring caller's call may be answered with a task, so it takes the SDK path.
  {
    name: 'modern call from a tasks-declaring caller',
    user: 'nina',
    headers: modernHeaders('tools/call', 'network__get_device'),
    body: call('network__get_device', { device_id: DEVICE }, 36, true, tasksEnvelope),
    fast: false,
    check: (a) => expect(resultOf(a)).toMatchObject({ resultType: 'complete', structuredContent: { device: { id: DEVICE } } }),
  },
  { name: 'modern tools/list from a tasks-declaring caller', user: 'nina', headers: modernHeaders('tools/list'), body: rpc(37, 'tools/list', { _meta: tasksEnvelope }), fast: true },
  { name: 'modern tasks/get of an unexposed server', user: 'dave', headers: modernHeaders('tasks/get', 'network__t-1'), body: rpc(39, 'tasks/get', { taskId: 'network__t-1', _meta: tasksEnvelope }), fast: false, check: (a) => expect(JSON.stringify(a.payload)).toMatch(/Task not found/) },
  { name: 'modern tasks/get without the extension', user: 'nina', headers: modernHeaders('tasks/get', 'network__t-1'), body: rpc(40, 'tasks/get', { taskId: 'network__t-1', _meta: envelope }), fast: false },
  // Last: mcp-network runs without Temporal here, so it serves no tasks/* and the hop fails (the gateway then
  // reports the backend down until its next probe) — the same failure on both sides.
  { name: 'modern tasks/get on a backend without tasks', user: 'nina', headers: modernHeaders('tasks/get', 'network__t-1'), body: rpc(38, 'tasks/get', { taskId: 'network__t-1', _meta: tasksEnvelope }), fast: false, check: (a) => expect(errorOf(a)?.code).toBe(-32603) },
);

let traceSeq = 0;
async function send(side: GatewayInstance, c: Case, traceparent: string): Promise<Answer> {
  const r = await fetch(side.url, { method: 'POST', headers: { ...c.headers, authorization: `Bearer ${tokens[c.user] ?? ''}`, traceparent }, body: c.body });
  const text = await r.text();
  const contentType = r.headers.get('content-type');
  let payload: unknown = text;
  if (contentType?.startsWith('text/event-stream')) {
    payload = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as unknown)
      // The answers to a batch's requests arrive in the order their backend calls finish.
      .sort((x, y) => String((x as { id?: unknown }).id).localeCompare(String((y as { id?: unknown }).id)));
  } else if (text.length > 0) {
    try {
      payload = JSON.parse(text) as unknown;
    } catch {
      payload = text;
    }
  }
  return { status: r.status, contentType, cacheControl: r.headers.get('cache-control'), wwwAuthenticate: r.headers.get('www-authenticate'), payload };
}

const dispatched = async (side: GatewayInstance, path: 'fast' | 'sdk') => (await side.gateway.mcp.metrics.mcpDispatch.get()).values.find((v) => v.labels.path === path)?.value ?? 0;
/** A gateway's audit trail without times and ids, as a sorted multiset (a composite's hops run concurrently). */
const auditOf = (side: GatewayInstance) =>
  side.logs
    .filter((l) => (l['event'] as { kind?: string } | undefined)?.kind === 'event')
    .map((l) => {
      const e = l['event'] as Record<string, unknown>;
      return { action: e['action'], outcome: e['outcome'], reason: e['reason'], type: e['type'], user: l['user'], client: l['client'], mcp: l['mcp'] };
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** The gateway rule's decisions by (server, tool, decision) — what the policy was asked and answered. */
const decisionsOf = async (side: GatewayInstance) =>
  (await side.gateway.mcp.metrics.authzDecisions.get()).values.map((v) => ({ ...v.labels, n: v.value })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** The MCP requests a gateway sent to its backends, as a sorted multiset of (backend URL, bearer present). */
const hopsOf = (side: GatewayInstance) =>
  side.backendRequests
    .filter((r) => r.url.endsWith('/mcp'))
    .map((r) => `${r.url} ${r.authorization ? 'bearer' : 'none'}`)
    .sort();

describe('gateway fast path vs SDK path: the same answers to the same corpus', () => {
  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const fastBefore = await dispatched(fast, 'fast');
    // The same trace id on both sides: it is quoted in "internal error" answers.
    const traceparent = `00-${(++traceSeq).toString(16).padStart(32, 'c')}-${'d'.repeat(16)}-01`;
    const a = await send(fast, c, traceparent);
    const b = await send(sdk, c, traceparent);
    expect(a).toEqual(b);
    expect(a.status).toBeGreaterThanOrEqual(200);
    c.check?.(a);
    // The answer came from the path the case is meant to exercise (otherwise the comparison is vacuous).
    expect((await dispatched(fast, 'fast')) - fastBefore).toBe(c.fast ? 1 : 0);
    expect(await dispatched(sdk, 'fast')).toBe(0);
  });

  it('asked the gateway rule the same questions, sent the same hops and wrote the same audit trail', async () => {
    expect(await decisionsOf(fast)).toEqual(await decisionsOf(sdk));
    expect((await decisionsOf(fast)).some((d) => d.decision === 'deny')).toBe(true);
    expect(hopsOf(fast)).toEqual(hopsOf(sdk));
    expect(hopsOf(fast).length).toBeGreaterThan(10);
    expect(auditOf(fast)).toEqual(auditOf(sdk));
    const audits = auditOf(fast);
    for (const reason of ['ERR_AUTHZ_DENIED', 'ERR_STEP_UP_REQUIRED']) expect(audits.some((a) => a.reason === reason), reason).toBe(true);
    expect(audits.some((a) => a.action === 'tool-hop')).toBe(true);
  });
});
