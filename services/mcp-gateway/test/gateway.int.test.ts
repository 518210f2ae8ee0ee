import { ProtocolError, type CallToolResult, type Client } from '@modelcontextprotocol/client';
import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, jwtPayload, startGatewayHarness, type GatewayHarness } from './harness.ts';

let h: GatewayHarness;

// The whole stack (IdP, OPA, three simulators, three servers as processes) on a shared 2-CPU machine.
beforeAll(async () => {
  h = await startGatewayHarness();
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const names = async (c: Client): Promise<string[]> => (await c.listTools()).tools.map((t) => t.name).sort();

/** What each backend lists for `user` directly (own token per backend), as gateway names. */
async function directUnion(user: string, servers: Array<'network' | 'itsm' | 'github' | 'analysis'>): Promise<string[]> {
  const out: string[] = [];
  for (const s of servers) {
    const c = await h.connect(await h.token(user, h.backends[s].url), { url: h.backends[s].url });
    out.push(...(await c.listTools()).tools.map((t) => `${s}__${t.name}`));
  }
  return out.sort();
}

describe.each(['2026-07-28', '2025-11-25'] as const)('mcp-gateway over %s', (version) => {
  it('lists for each caller exactly the union of what each exposed backend lists for them, plus the composites they can use', async () => {
    const alice = await names(await h.connect(await h.token('alice'), { version }));
    expect(alice.filter((n) => !n.startsWith('ops__'))).toEqual(await directUnion('alice', ['network', 'itsm', 'github', 'analysis']));
    expect(alice).toEqual(expect.arrayContaining(['network__deploy_template', 'itsm__create_incident', 'github__create_issue', 'analysis__get_network_health', 'ops__device_report', 'ops__report_unreachable_device']));

    const sam = await names(await h.connect(await h.token('sam'), { version }));
    // service-desk: network and itsm through the gateway (no github), read-only network: no deploy.
    expect(sam.filter((n) => !n.startsWith('ops__'))).toEqual(await directUnion('sam', ['network', 'itsm', 'analysis']));
    expect(sam).toContain('network__get_device');
    expect(sam).not.toContain('network__deploy_template');
    expect(sam.some((n) => n.startsWith('github__'))).toBe(false);
    expect(sam).toContain('analysis__get_device_health');
    // developers: github and itsm through the gateway, no network analysis.
    const dave = await names(await h.connect(await h.token('dave'), { version }));
    expect(dave.some((n) => n.startsWith('analysis__') || n.startsWith('network__'))).toBe(false);

    expect(await names(await h.connect(await h.token('eve'), { version }))).toEqual([]);
  });

  it('re-exports names every client accepts, with the backend schemas and annotations unchanged and the server named', async () => {
    const tools = (await (await h.connect(await h.token('nina'), { version })).listTools()).tools;
    const direct = (await (await h.connect(await h.token('nina', h.backends.network.url), { url: h.backends.network.url, version })).listTools()).tools;
    for (const t of tools) expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const viaGateway = tools.find((t) => t.name === 'network__get_device');
    const original = direct.find((t) => t.name === 'get_device');
    expect(viaGateway?.inputSchema).toEqual(original?.inputSchema);
    expect(viaGateway?.outputSchema).toEqual(original?.outputSchema);
    expect({ ...viaGateway?.annotations, title: undefined }).toEqual({ ...original?.annotations, title: undefined });
    expect(viaGateway?.title).toContain('[network]');
    expect(viaGateway?.description).toContain('network');
  });

  it('answers a call exactly as the backend answers the same call made directly', async () => {
    const args = { device_id: SEED_IDS.devices.sjc01Core01 };
    const via = await (await h.connect(await h.token('nina'), { version })).callTool({ name: 'network__get_device', arguments: args });
    const direct = await (await h.connect(await h.token('nina', h.backends.network.url), { url: h.backends.network.url, version })).callTool({ name: 'get_device', arguments: args });
    expect(via.isError).toBeFalsy();
    expect(via.structuredContent).toEqual(direct.structuredContent);
    expect(via.content).toEqual(direct.content);
  });
});

describe('identity', () => {
  it('never forwards the caller token: each backend gets an exchanged token for its own audience, same subject, gateway as actor', async () => {
    const token = await h.token('nina');
    const before = h.backendRequests.length;
    await (await h.connect(token)).callTool({ name: 'itsm__search_incidents', arguments: { limit: 1 } });
    const sent = h.backendRequests.slice(before).filter((r) => r.url === h.backends.itsm.url && r.authorization);
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      const bearer = (r.authorization ?? '').replace(/^Bearer /, '');
      expect(bearer).not.toBe(token);
      expect(jwtPayload(bearer)).toMatchObject({ sub: 'nina', aud: h.backends.itsm.url, act: { sub: 'mcp-gateway' } });
    }
    expect(h.backendRequests.some((r) => r.authorization?.includes(token))).toBe(false);
  });

  it('refuses a token issued for a backend instead of the gateway (401 before anything is forwarded)', async () => {
    await expect(h.connect(await h.token('alice', h.backends.network.url))).rejects.toThrow();
  });
});

describe('policy', () => {
  it('a server the gateway does not expose to the caller is denied at the gateway and never reached', async () => {
    const before = h.backendRequests.length;
    const r = (await (await h.connect(await h.token('dave'))).callTool({ name: 'network__get_device', arguments: { device_id: SEED_IDS.devices.sjc01Core01 } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(errorCode(r)).toBe('ERR_AUTHZ_DENIED');
    expect(h.backendRequests.slice(before).some((q) => q.url === h.backends.network.url)).toBe(false);
  });

  it("a backend's own policy still decides: sam may not deploy, and Catalyst Center never sees the deployment", async () => {
    const deploymentsBefore = h.catalyst.state.deployments.length;
    const r = (await (await h.connect(await h.token('sam'))).callTool({
      name: 'network__deploy_template',
      arguments: { template_id: SEED_IDS.templates.loginBanner, device_ids: [SEED_IDS.devices.nyc05Acc01], params: {} },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(errorCode(r)).toBe('ERR_AUTHZ_DENIED');
    expect(h.catalyst.state.deployments.length).toBe(deploymentsBefore);
  });

  it("step-up (RFC 9470): a backend's challenge becomes the gateway's own 401 naming the gateway's metadata; the second factor gets through", async () => {
    const deploy = async (token: string) => {
      const res = await fetch(h.gatewayUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'network__deploy_template', arguments: { template_id: SEED_IDS.templates.loginBanner, device_ids: [SEED_IDS.devices.sjc01Core01] } },
        }),
      });
      return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '', text: await res.text() };
    };
    const before = h.catalyst.state.deployments.length;
    const weak = await deploy(await h.token('alice', undefined, { acr: 'pwd' }));
    expect(weak.status).toBe(401);
    expect(weak.challenge).toContain('error="insufficient_user_authentication"');
    expect(weak.challenge).toContain('acr_values="mfa"');
    expect(weak.challenge).toContain('max_age="900"');
    expect(weak.challenge).toContain(`resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', h.gatewayAudience).href}"`);
    expect(h.catalyst.state.deployments.length).toBe(before);
    const audited = h.logs.filter((l) => (l['event'] as { action?: string } | undefined)?.action === 'tool-call' && (l['mcp'] as { tool?: string } | undefined)?.tool === 'network__deploy_template');
    expect(audited.at(-1)?.['event']).toMatchObject({ outcome: 'failure', reason: 'ERR_STEP_UP_REQUIRED', type: ['denied'] });

    const strong = await deploy(await h.token('alice', undefined, { acr: 'mfa' }));
    expect(strong.status).toBe(200);
    expect(strong.text).not.toContain('"isError":true');
    expect(h.catalyst.state.deployments.length).toBe(before + 1);
  });

  it('rejects an unknown prefix or a name without one with a protocol error naming the servers', async () => {
    const c = await h.connect(await h.token('alice'));
    const unknown = await c.callTool({ name: 'billing__get_invoice', arguments: {} }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ProtocolError);
    expect((unknown as ProtocolError).message).toMatch(/no server "billing".*network, itsm, github, analysis, ops/);
    const bare = await c.callTool({ name: 'get_device', arguments: {} }).catch((e: unknown) => e);
    expect(bare).toBeInstanceOf(ProtocolError);
    expect((bare as ProtocolError).message).toContain('<server>__<tool>');
  });
});

const call = async (user: string, name: string, args: Record<string, unknown>, headers?: Record<string, string>): Promise<CallToolResult> =>
  (await (await h.connect(await h.token(user), headers ? { headers } : {})).callTool({ name, arguments: args })) as CallToolResult;

describe('ops__device_report', () => {
  it('joins the device, its incidents and changes, and the files naming it, each hop under the caller identity', async () => {
    const r = await call('nina', 'ops__device_report', { device_id: SEED_IDS.devices.sjc01Core01 });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as Record<string, unknown>;
    expect(out['device']).toMatchObject({ id: SEED_IDS.devices.sjc01Core01, role: 'CORE' });
    expect(out['complete']).toBe(true);
    expect(out['missing']).toEqual([]);
    for (const part of ['open_incidents', 'recent_change_requests', 'config_files']) expect(Array.isArray(out[part]), part).toBe(true);
    // Every hop reached its backend with nina as subject: each backend wrote its own audit line for her.
    for (const [server, tool] of [['network', 'get_device'], ['itsm', 'search_incidents'], ['itsm', 'search_change_requests'], ['github', 'search_code']] as const) {
      const line = h.backends[server].logs.find((l) => (l['event'] as { action?: string } | undefined)?.action === 'tool-call' && (l['mcp'] as { tool?: string } | undefined)?.tool === tool);
      expect(line, `${server} ${tool}`).toBeDefined();
      expect((line?.['user'] as { id?: string }).id).toBe('nina');
    }
  });

  it('says which part is missing and why when a hop is denied, and still returns the rest (sam may not use github)', async () => {
    const githubCallsBefore = h.github.state.requests.length;
    const r = await call('sam', 'ops__device_report', { device_id: SEED_IDS.devices.sjc01Core01 });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as Record<string, unknown>;
    expect(out['device']).toMatchObject({ id: SEED_IDS.devices.sjc01Core01 });
    expect(Array.isArray(out['open_incidents'])).toBe(true);
    expect(out['config_files']).toBeNull();
    expect(out['complete']).toBe(false);
    expect(out['missing']).toEqual([expect.objectContaining({ part: 'config_files', tool: 'github__search_code', status: 'denied', code: 'ERR_AUTHZ_DENIED' })]);
    expect(h.github.state.requests.length).toBe(githubCallsBefore);
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    expect(text).toMatch(/missing config_files: .*ERR_AUTHZ_DENIED/);
  });

  it('is an error naming the reason when the device itself cannot be read', async () => {
    const r = await call('nina', 'ops__device_report', { device_id: '00000000-0000-4000-8000-000000000000' });
    expect(r.isError).toBe(true);
    expect((r.structuredContent as { missing: Array<{ part: string }> }).missing[0]?.part).toBe('device');
  });

  it('rejects arguments that do not match its input schema with a protocol error', async () => {
    await expect(call('nina', 'ops__device_report', { device_id: 'not-a-uuid' })).rejects.toThrow(/device_id/);
  });
});

describe('ops__report_unreachable_device', () => {
  it('opens one incident for an unreachable device with its details, and returns the same one when called again', async () => {
    const first = await call('nina', 'ops__report_unreachable_device', { device_id: SEED_IDS.devices.nyc05Acc03, note: 'users on floor 3 report no network' });
    expect(first.isError).toBeFalsy();
    const a = first.structuredContent as { opened: boolean; created: boolean; incident: { number: string; short_description: string } };
    expect(a).toMatchObject({ opened: true, created: true });
    const second = await call('nina', 'ops__report_unreachable_device', { device_id: SEED_IDS.devices.nyc05Acc03 });
    const b = second.structuredContent as { opened: boolean; created: boolean; incident: { number: string } };
    expect(b).toMatchObject({ opened: true, created: false });
    expect(b.incident.number).toBe(a.incident.number);
    const stored = h.servicenow.state.tables.incident.filter((i) => String(i['correlation_id'] ?? '').startsWith(`unreachable:${SEED_IDS.devices.nyc05Acc03}:`));
    expect(stored).toHaveLength(1);
    expect(String(stored[0]?.['description'])).toContain('users on floor 3 report no network');
    expect(String(stored[0]?.['description'])).toContain('managementIpAddress');
  });

  it('opens nothing for a reachable device', async () => {
    const before = h.servicenow.state.tables.incident.length;
    const r = await call('nina', 'ops__report_unreachable_device', { device_id: SEED_IDS.devices.sjc01Acc01 });
    expect(r.structuredContent).toMatchObject({ opened: false, incident: null });
    expect(h.servicenow.state.tables.incident.length).toBe(before);
  });
});

describe('one trail', () => {
  it('one trace id across the gateway and every backend, one audit line per hop on each side', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await call('nina', 'ops__device_report', { device_id: SEED_IDS.devices.sjc01Dist01 }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const traced = (logs: Record<string, unknown>[]) => logs.filter((l) => (l['trace'] as { id?: string } | undefined)?.id === traceId);
    const gatewayAudit = traced(h.logs).filter((l) => (l['event'] as { kind?: string }).kind === 'event');
    const hops = gatewayAudit.filter((l) => (l['event'] as { action?: string }).action === 'tool-hop');
    expect(hops.map((l) => `${(l['mcp'] as { hop: { server: string; tool: string } }).hop.server}__${(l['mcp'] as { hop: { tool: string } }).hop.tool}`).sort()).toEqual(
      ['github__search_code', 'itsm__search_change_requests', 'itsm__search_incidents', 'network__get_device'],
    );
    const calls = gatewayAudit.filter((l) => (l['event'] as { action?: string }).action === 'tool-call');
    expect(calls.map((l) => (l['mcp'] as { tool: string }).tool)).toEqual(['ops__device_report']);
    for (const [server, tool] of [['network', 'get_device'], ['itsm', 'search_incidents'], ['github', 'search_code']] as const) {
      const lines = traced(h.backends[server].logs).filter((l) => (l['event'] as { action?: string } | undefined)?.action === 'tool-call');
      expect(lines.map((l) => (l['mcp'] as { tool: string }).tool), server).toContain(tool);
    }
  });
});
