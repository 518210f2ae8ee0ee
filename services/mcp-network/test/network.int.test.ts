import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMcpAuthEdges } from '@mcp-platform/test-support';
import { startHarness, type NetworkHarness } from './harness.ts';

// Seeded simulator inventory (packages/sandboxes/src/catalyst-center/seed.ts).
const CORE_SWITCH = 'de000000-0000-4000-8000-000000000001'; // sjc01-core-01
const ACCESS_SWITCH = 'de000000-0000-4000-8000-000000000005'; // sjc01-acc-01
const ACCESS_SWITCH_2 = 'de000000-0000-4000-8000-000000000006'; // sjc01-acc-02
const INTERFACE_TEMPLATE = '7e000000-0000-4000-8000-000000000001'; // $interface, $description
const NTP_TEMPLATE = '7e000000-0000-4000-8000-000000000002'; // $ntpPrimary, $ntpSecondary: IPADDRESS
const VLAN_TEMPLATE = '7e000000-0000-4000-8000-000000000003'; // $vlanId: INTEGER 1-4094
const SYSLOG_TEMPLATE = '7e000000-0000-4000-8000-000000000005'; // $loggingHost: IPADDRESS, $trapLevel: pick list

let h: NetworkHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

async function waitForTask(user: string, taskId: string): Promise<Record<string, unknown>> {
  const client = await h.client(user);
  for (let i = 0; i < 100; i++) {
    const r = (await client.callTool({ name: 'get_deployment_status', arguments: { task_id: taskId } })) as CallToolResult;
    const s = r.structuredContent as Record<string, unknown>;
    if (s['status'] !== 'PENDING') return s;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('deployment did not finish');
}

describe('mcp-network through the whole spine', () => {
  it('lets a network engineer list devices with filters (modern 2026-07-28 client)', async () => {
    const client = await h.client('nina');
    const r = (await client.callTool({ name: 'list_devices', arguments: { role: 'CORE' } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as { devices: { hostname: string; role: string }[]; next_offset: number | null };
    expect(out.devices.length).toBeGreaterThanOrEqual(3);
    expect(out.devices.every((d) => d.role === 'CORE')).toBe(true);
    expect(out.devices.map((d) => d.hostname)).toContain('sjc01-core-01');
    expect(text(r)).toContain('sjc01-core-01');
  });

  it('serves 2025-11-25 clients too (stateless legacy leg)', async () => {
    const client = await h.client('nina', 'legacy');
    const r = (await client.callTool({ name: 'get_device', arguments: { device_id: ACCESS_SWITCH } })) as CallToolResult;
    expect((r.structuredContent as { device: { hostname: string } }).device.hostname).toBe('sjc01-acc-01');
  });

  it('pages through devices', async () => {
    const client = await h.client('nina');
    const first = (await client.callTool({ name: 'list_devices', arguments: { limit: 10 } })) as CallToolResult;
    const p1 = first.structuredContent as { devices: { id: string }[]; next_offset: number | null };
    expect(p1.devices).toHaveLength(10);
    expect(p1.next_offset).toBe(11);
    const second = (await client.callTool({ name: 'list_devices', arguments: { limit: 10, offset: 11 } })) as CallToolResult;
    const p2 = second.structuredContent as { devices: { id: string }[] };
    expect(p2.devices.map((d) => d.id)).not.toContain(p1.devices[0]?.id);
  });

  it('shows each caller only the tools policy lets them call', async () => {
    const names = async (user: string) => (await (await h.client(user)).listTools()).tools.map((t) => t.name).sort();
    const all = ['deploy_template', 'get_deployment_status', 'get_device', 'get_template', 'list_devices', 'list_sites', 'list_templates'];
    expect(await names('alice')).toEqual(all);
    expect(await names('nina')).toEqual(all);
    expect(await names('sam')).toEqual(all.filter((n) => n !== 'deploy_template'));
    expect(await names('dave')).toEqual([]);
    expect(await names('eve')).toEqual([]);
  });

  it('lists tools with output schemas and annotations', async () => {
    const { tools } = await (await h.client('alice')).listTools();
    const deploy = tools.find((t) => t.name === 'deploy_template');
    expect(deploy?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false });
    expect(deploy?.outputSchema).toBeDefined();
    expect((deploy?.inputSchema.properties as Record<string, Record<string, unknown>>)['device_ids']).toMatchObject({ type: 'array', uniqueItems: true, minItems: 1 });
    expect(tools.every((t) => t.title && t.description && t.outputSchema)).toBe(true);
  });

  it('lets service-desk read but not deploy, and nothing reaches Catalyst Center', async () => {
    const client = await h.client('sam');
    const read = (await client.callTool({ name: 'list_sites', arguments: {} })) as CallToolResult;
    expect(read.isError).toBeFalsy();
    const before = h.sim.state.deployments.length;
    const r = (await client.callTool({
      name: 'deploy_template',
      arguments: { template_id: INTERFACE_TEMPLATE, device_ids: [ACCESS_SWITCH], params: { interface: 'Gi1/0/1', description: 'x' } },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Permission denied: /);
    expect(r._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
    expect(h.sim.state.deployments.length).toBe(before);
    const denied = h.logs.filter((l) => (l['event'] as Record<string, unknown>)?.['action'] === 'authz-decision' && (l['user'] as Record<string, unknown>)?.['id'] === 'sam');
    expect(denied.some((l) => (l['event'] as Record<string, unknown>)['outcome'] === 'failure')).toBe(true);
  });

  it('denies developers any network tool', async () => {
    const client = await h.client('dave');
    const r = (await client.callTool({ name: 'list_devices', arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('Permission denied');
  });

  it('holds the CORE rule: a network engineer cannot deploy to a CORE device, an admin can', async () => {
    const before = h.sim.state.deployments.length;
    const nina = await h.client('nina');
    const denied = (await nina.callTool({
      name: 'deploy_template',
      arguments: { template_id: INTERFACE_TEMPLATE, device_ids: [ACCESS_SWITCH, CORE_SWITCH], params: { interface: 'Gi1/0/1', description: 'uplink' } },
    })) as CallToolResult;
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain('sjc01-core-01');
    expect(text(denied)).toMatch(/CORE/);
    expect(h.sim.state.deployments.length).toBe(before);

    const alice = await h.client('alice');
    const allowed = (await alice.callTool({
      name: 'deploy_template',
      arguments: { template_id: INTERFACE_TEMPLATE, device_ids: [CORE_SWITCH], params: { interface: 'Te1/0/1', description: 'core uplink' } },
    })) as CallToolResult;
    expect(allowed.isError).toBeFalsy();
    expect(h.sim.state.deployments.length).toBe(before + 1);
  });

  it('step-up (RFC 9470): an admin signed in with a password only gets the insufficient_user_authentication challenge for a CORE deploy, and succeeds with the second factor', async () => {
    const before = h.sim.state.deployments.length;
    const deploy = async (token: string, deviceIds: string[]) => {
      const res = await fetch(h.server.publicUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'deploy_template', arguments: { template_id: INTERFACE_TEMPLATE, device_ids: deviceIds, params: { interface: 'Te1/0/2', description: 'step-up' } } },
        }),
      });
      return { status: res.status, challenge: res.headers.get('www-authenticate'), text: await res.text() };
    };
    const password = await h.token('alice', undefined, { acr: 'pwd' });
    const weak = await deploy(password, [CORE_SWITCH]);
    expect(weak.status).toBe(401);
    expect(weak.challenge).toContain('error="insufficient_user_authentication"');
    expect(weak.challenge).toContain('acr_values="mfa"');
    expect(weak.challenge).toContain('max_age="900"');
    expect(weak.challenge).toContain(`resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', h.server.publicUrl).href}"`);
    expect(h.sim.state.deployments.length).toBe(before);
    // An ACCESS-only deploy with the same password-only token needs no step-up.
    const access = await deploy(password, [ACCESS_SWITCH_2]);
    expect(access.status).toBe(200);
    expect(access.text).not.toContain('"isError":true');
    expect(h.sim.state.deployments.length).toBe(before + 1);

    const strong = await deploy(await h.token('alice', undefined, { acr: 'mfa' }), [CORE_SWITCH]);
    expect(strong.status).toBe(200);
    expect(strong.text).not.toContain('"isError":true');
    expect(h.sim.state.deployments.length).toBe(before + 2);
  });

  it('deploys to access switches and follows the task to SUCCESS', async () => {
    const nina = await h.client('nina');
    const r = (await nina.callTool({
      name: 'deploy_template',
      arguments: { template_id: INTERFACE_TEMPLATE, device_ids: [ACCESS_SWITCH, ACCESS_SWITCH_2], params: { interface: 'Gi1/0/10', description: 'printer' } },
    })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    const { taskId } = r.structuredContent as { taskId: string };
    const status = await waitForTask('nina', taskId);
    expect(status['status']).toBe('SUCCESS');
    expect((status['devices'] as unknown[]).length).toBe(2);
  });

  it('rejects a deployment with missing template variables before anything is pushed', async () => {
    const before = h.sim.state.deployments.length;
    const r = (await (await h.client('nina')).callTool({
      name: 'deploy_template',
      arguments: { template_id: INTERFACE_TEMPLATE, device_ids: [ACCESS_SWITCH], params: { interface: 'Gi1/0/10' } },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('params.description: required template variable is missing');
    expect(h.sim.state.deployments.length).toBe(before);
  });

  it('refuses template values that do not fit the declared variable types, naming the variable, before anything is pushed', async () => {
    const nina = await h.client('nina');
    const before = h.sim.state.deployments.length;
    const attempts: [string, Record<string, string | number | boolean>, string][] = [
      // the attack: a newline turns an NTP address into extra configuration commands
      [NTP_TEMPLATE, { ntpPrimary: '10.0.0.1\nusername mallory privilege 15 secret 0 pwned\n' }, 'params.ntpPrimary: must not contain newlines or control characters'],
      [NTP_TEMPLATE, { ntpPrimary: '10.0.0.1\r\nend' }, 'params.ntpPrimary: must not contain newlines or control characters'],
      [NTP_TEMPLATE, { ntpPrimary: 'ntp.example.com' }, 'params.ntpPrimary: must be an IPv4 or IPv6 address (IPADDRESS)'],
      [NTP_TEMPLATE, { ntpPrimary: '10.0.0.1', ntpSecondary: '10.0.0.256' }, 'params.ntpSecondary: must be an IPv4 or IPv6 address (IPADDRESS)'],
      [NTP_TEMPLATE, { ntpPrimary: 167772161 }, 'params.ntpPrimary: must be an IPv4 or IPv6 address (IPADDRESS)'],
      [VLAN_TEMPLATE, { vlanId: 4095, vlanName: 'users', interface: 'Gi1/0/5' }, 'params.vlanId: must be within 1-4094'],
      [VLAN_TEMPLATE, { vlanId: '10 \u2028 shutdown', vlanName: 'users', interface: 'Gi1/0/5' }, 'params.vlanId: must not contain newlines or control characters'],
      [VLAN_TEMPLATE, { vlanId: '1e3', vlanName: 'users', interface: 'Gi1/0/5' }, 'params.vlanId: must be an integer (INTEGER)'],
      [INTERFACE_TEMPLATE, { interface: 'Gi1/0/1', description: 'a\tb' }, 'params.description: must not contain newlines or control characters'],
      [INTERFACE_TEMPLATE, { interface: 'Gi1/0/1', description: ' padded' }, 'params.description: must not start or end with whitespace'],
      // whitespace only: refused by the spine before the template is even read
      [INTERFACE_TEMPLATE, { interface: 'Gi1/0/1', description: '   ' }, 'params.description: must not be blank (whitespace only)'],
      [SYSLOG_TEMPLATE, { loggingHost: '10.9.9.9', trapLevel: 'everything' }, 'params.trapLevel: must be one of errors, warnings, notifications, informational, debugging'],
    ];
    for (const [template_id, params, message] of attempts) {
      const r = (await nina.callTool({ name: 'deploy_template', arguments: { template_id, device_ids: [ACCESS_SWITCH], params } })) as CallToolResult;
      expect(r.isError, message).toBe(true);
      expect(text(r)).toBe(message);
      expect(r._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_VALIDATION', retryable: false });
    }
    expect(h.sim.state.deployments.length).toBe(before);

    // Well-typed values still deploy (IPv4 and IPv6, a pick-list value, an in-range integer).
    for (const [template_id, params] of [
      [NTP_TEMPLATE, { ntpPrimary: '10.0.0.1', ntpSecondary: '2001:db8::123' }],
      [SYSLOG_TEMPLATE, { loggingHost: '10.9.9.9', trapLevel: 'warnings' }],
      [VLAN_TEMPLATE, { vlanId: 4094, vlanName: 'users', interface: 'Gi1/0/5' }],
    ] as const) {
      const ok = (await nina.callTool({ name: 'deploy_template', arguments: { template_id, device_ids: [ACCESS_SWITCH], params } })) as CallToolResult;
      expect(ok.isError, text(ok)).toBeFalsy();
    }
    expect(h.sim.state.deployments.length).toBe(before + 3);
  });

  it('rejects invalid arguments with a message naming the field', async () => {
    const r = (await (await h.client('nina')).callTool({ name: 'get_device', arguments: { device_id: 'not-a-uuid' } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('device_id');
  });

  it('answers 401 with an RFC 9728 challenge without a token, and for a token meant for another server', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    const none = await fetch(h.server.publicUrl, { method: 'POST', headers, body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer .*resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
    const itsmToken = await h.token('nina', 'http://127.0.0.1:8102/mcp');
    const wrongAud = await fetch(h.server.publicUrl, { method: 'POST', headers: { ...headers, authorization: `Bearer ${itsmToken}` }, body });
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.headers.get('www-authenticate')).toContain('invalid_token');
    const prm = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', h.server.url));
    expect(await prm.json()).toMatchObject({ resource: h.server.publicUrl, authorization_servers: [h.idp.issuer] });
  });

  it('rejects a foreign Host header (DNS rebinding) and an oversized body', async () => {
    const token = await h.token('nina');
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` };
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(h.server.publicUrl, { method: 'POST', headers: { ...headers, host: 'evil.example.com' } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }));
    });
    expect(status).toBe(403);
    const big = await fetch(h.server.publicUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2_000_000) } }) });
    expect(big.status).toBe(413);
  });

  it('exposes health, readiness and metrics', async () => {
    expect((await fetch(new URL('/healthz', h.server.url))).status).toBe(200);
    const ready = await fetch(new URL('/readyz', h.server.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { 'identity-provider': true, authorizer: true, secrets: true } });
    const metrics = await (await fetch(new URL('/metrics', h.server.url))).text();
    expect(metrics).toMatch(/mcp_tool_calls_total\{[^}]*tool="list_devices"[^}]*outcome="success"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/mcp_authz_decisions_total\{[^}]*decision="deny"/);
    expect(metrics).toMatch(/mcp_auth_failures_total\{/);
    expect(metrics).toContain('mcp_tool_call_duration_seconds_bucket');
  });

  it('writes valid ECS lines with the required fields, and no secret or token anywhere', async () => {
    expect(h.logs.length).toBeGreaterThan(10);
    for (const line of h.logs) {
      expect(line['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(line['ecs.version']).toBeDefined();
      expect(line['log.level']).toMatch(/^(error|warn|info|debug)$/);
      expect(line['service']).toMatchObject({ name: 'mcp-network', version: '0.1.0' });
      expect((line['event'] as Record<string, unknown>)['dataset']).toMatch(/^mcp-network\.(log|audit)$/);
    }
    const calls = h.logs.filter((l) => (l['event'] as Record<string, unknown>)['action'] === 'tool-call');
    expect(calls.length).toBeGreaterThan(5);
    for (const c of calls) {
      expect((c['trace'] as Record<string, unknown>)['id']).toMatch(/^[0-9a-f]{32}$/);
      expect((c['user'] as Record<string, unknown>)['id']).toBeTruthy();
      const ev = c['event'] as Record<string, unknown>;
      expect(ev['kind']).toBe('event');
      expect(ev['outcome']).toMatch(/^(success|failure)$/);
      expect(typeof ev['duration']).toBe('number');
    }
    const raw = h.rawLogs();
    expect(raw).not.toContain('dev-only-catalyst-password');
    expect(raw).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    expect(raw.toLowerCase()).not.toContain('bearer ey');
  });

  it('denies every call while OPA is down (fail closed), reports the authorizer down (degraded, still routed), and recovers', async () => {
    const client = await h.client('nina');
    await h.opa.kill();
    const r = (await client.callTool({ name: 'list_sites', arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('Authorization service unavailable');
    expect(r._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_AUTHZ_UNAVAILABLE' });
    // Degraded, not dead: every replica shares OPA, and this one still answers (fail closed, named error).
    const ready = await fetch(new URL('/readyz', h.server.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'degraded', checks: { authorizer: false } });
  });
});

// Last: the probe stops the IdP.
describe('auth edges (same on every surface)', () => {
  it('answers no credentials with a 401 challenge naming no error, a missing scope with 403, and an unreachable IdP with 503 + Retry-After', async () => {
    await expectMcpAuthEdges(h);
  });
});
