import { ANALYSIS_SEED_IDS, SEED_IDS, SIM_DEVICE_SECRETS } from '@mcp-platform/sandboxes/catalyst-center';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { expectMcpAuthEdges } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TEST_ENV, type AnalysisHarness } from './harness.ts';

const D = SEED_IDS.devices;
const ALL_TOOLS = [
  'get_client_health',
  'get_config_changes',
  'get_device_health',
  'get_interface_counters',
  'get_issue',
  'get_network_health',
  'get_path_trace',
  'get_site_health',
  'list_issues',
  'run_show_command',
  'start_path_trace',
];

let h: AnalysisHarness;
const clients = new Map<string, Client>();

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function as(user: string): Promise<Client> {
  let c = clients.get(user);
  if (!c) {
    c = await h.client(user);
    clients.set(user, c);
  }
  return c;
}

async function call(user: string, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await (await as(user)).callTool({ name, arguments: args })) as CallToolResult;
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const out = <T>(r: CallToolResult) => r.structuredContent as T;
const errorCode = (r: CallToolResult) => (r._meta?.['io.mcp-platform/error'] as { code?: string } | undefined)?.code;

interface RunOutput {
  command: string;
  results: { hostname: string; status: string; output: string; truncated: boolean; output_bytes: number; redactions: number }[];
}

describe('mcp-analysis: who sees what', () => {
  it('shows each caller only the tools policy lets them call', async () => {
    const names = async (user: string) => (await (await as(user)).listTools()).tools.map((t) => t.name).sort();
    expect(await names('alice')).toEqual(ALL_TOOLS);
    expect(await names('nina')).toEqual(ALL_TOOLS);
    expect(await names('sam')).toEqual(ALL_TOOLS);
    expect(await names('dave')).toEqual([]);
    expect(await names('eve')).toEqual([]);
  });

  it('lists every tool with a title, an output schema and read-only annotations', async () => {
    const { tools } = await (await as('alice')).listTools();
    expect(tools.every((t) => t.title && t.description && t.outputSchema && t.annotations?.readOnlyHint === true && t.annotations.destructiveHint === false)).toBe(true);
  });

  it('denies developers any analysis tool and never calls Catalyst Center for them', async () => {
    const before = h.sim.state.requests.length;
    const r = await call('dave', 'get_network_health', {});
    expect(r.isError).toBe(true);
    expect(errorCode(r)).toBe('ERR_AUTHZ_DENIED');
    expect(h.sim.state.requests.length).toBe(before);
  });
});

describe('mcp-analysis: Assurance health and issues', () => {
  it('reports network health with the degraded categories', async () => {
    const r = await call('sam', 'get_network_health', {});
    expect(r.isError).toBeFalsy();
    const o = out<{ health_score: number; categories: { category: string; poor: number }[] }>(r);
    expect(o.health_score).toBeLessThan(100);
    expect(o.categories.find((c) => c.category === 'Distribution')?.poor).toBeGreaterThan(0);
  });

  it('finds the site with the flapping uplink as the least healthy building', async () => {
    const o = out<{ sites: { name: string; network_health: number; client_health: number }[] }>(await call('sam', 'get_site_health', { site_type: 'BUILDING' }));
    const worst = [...o.sites].sort((a, b) => a.network_health - b.network_health)[0];
    expect(worst?.name).toBe('NYC-05');
    expect(o.sites.find((s) => s.name === 'NYC-05')!.client_health).toBeLessThan(o.sites.find((s) => s.name === 'SJC-01')!.client_health);
  });

  it('filters device health: POOR devices include the distribution switch with the flapping uplink', async () => {
    const o = out<{ devices: { hostname: string; category: string; link_availability_health: number }[] }>(await call('nina', 'get_device_health', { health: 'POOR' }));
    expect(o.devices.every((d) => d.category === 'POOR')).toBe(true);
    const dist = o.devices.find((d) => d.hostname === 'nyc05-dist-01');
    expect(dist?.link_availability_health).toBeLessThanOrEqual(3);
  });

  it('reports client health per connection type', async () => {
    const o = out<{ categories: { type: string; clients: number }[] }>(await call('sam', 'get_client_health', {}));
    expect(o.categories.map((c) => c.type).sort()).toEqual(['ALL', 'WIRED', 'WIRELESS']);
  });

  it('lists active issues most urgent first and explains one with suggested actions', async () => {
    const list = out<{ issues: { issue_id: string; priority: string; status: string; name: string }[] }>(await call('sam', 'list_issues', {}));
    expect(list.issues.every((i) => i.status === 'ACTIVE')).toBe(true);
    expect(list.issues.map((i) => i.priority)).toEqual([...list.issues.map((i) => i.priority)].sort());
    expect(list.issues.some((i) => i.name.includes('flapping'))).toBe(true);
    const detail = await call('sam', 'get_issue', { issue_id: ANALYSIS_SEED_IDS.issues.nyc05UplinkFlapping });
    const d = out<{ description: string; suggested_actions: { commands: string[] }[] }>(detail);
    expect(d.description).toContain('TenGigabitEthernet1/1/1');
    expect(d.suggested_actions.flatMap((a) => a.commands)).toContain('show logging');
    expect(text(detail)).toContain('Suggested actions');
  });

  it('answers an unknown issue id with a clear not-found error', async () => {
    const r = await call('sam', 'get_issue', { issue_id: '15000000-0000-4000-8000-0000000000ff' });
    expect(r.isError).toBe(true);
    expect(errorCode(r)).toBe('ERR_UPSTREAM_NOT_FOUND');
    expect(text(r)).toContain('issue_id');
  });
});

describe('mcp-analysis: Command Runner', () => {
  it('runs an allow-listed command and redacts every secret of the running configuration', async () => {
    const r = await call('nina', 'run_show_command', { command: 'show running-config', device_ids: [D.sjc01Acc02] });
    expect(r.isError).toBeFalsy();
    const o = out<RunOutput>(r);
    const [res] = o.results;
    expect(res?.status).toBe('SUCCESS');
    expect(res?.output).toContain('hostname sjc01-acc-02');
    expect(res?.output).toContain('snmp-server community <redacted> RO SNMP-ACL');
    expect(res?.redactions).toBeGreaterThanOrEqual(8);
    const everything = JSON.stringify(r) + h.rawLogs();
    for (const secret of Object.values(SIM_DEVICE_SECRETS)) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/\$9\$/);
  });

  it('reports a device that does not answer as a timed-out FAILURE beside the others', async () => {
    const o = out<RunOutput>(await call('sam', 'run_show_command', { command: 'show version', device_ids: [D.sjc01Acc01, D.nyc05Acc03] }));
    expect(o.results.map((x) => [x.hostname, x.status])).toEqual([
      ['sjc01-acc-01', 'SUCCESS'],
      ['nyc05-acc-03', 'FAILURE'],
    ]);
    expect(o.results[1]?.output).toMatch(/did not respond within 30 seconds/);
  });

  it('cuts an oversized output at the limit with a truncation note', async () => {
    const o = out<RunOutput>(await call('nina', 'run_show_command', { command: 'show logging', device_ids: [D.nyc05Dist01] }));
    const [res] = o.results;
    expect(res?.truncated).toBe(true);
    expect(res?.output_bytes).toBeGreaterThan(100_000);
    expect(Buffer.byteLength(res!.output)).toBeLessThanOrEqual(Number(TEST_ENV.OUTPUT_MAX_BYTES) + 200);
    expect(res?.output).toMatch(/\[output truncated: showing \d+ of \d+ bytes; narrow the command/);
  });

  it('keeps the whole call within the total output limit', async () => {
    const o = out<RunOutput>(await call('nina', 'run_show_command', { command: 'show logging', device_ids: [D.nyc05Dist01, D.sjc01Acc01, D.sjc01Acc02] }));
    const total = o.results.reduce((n, x) => n + Buffer.byteLength(x.output), 0);
    expect(total).toBeLessThanOrEqual(Number(TEST_ENV.OUTPUT_TOTAL_MAX_BYTES) + 600);
  });

  const smuggled = [
    'show running-config | redirect flash:evil.txt',
    'show running-config | include secret',
    'show version; reload',
    'show version\nreload',
    'show version\r\nconfigure terminal',
    'show version\treload',
    'show version > flash:x',
    'show version && reload',
    'show interfaces `reload`',
    'show interfaces $(reload)',
    'conf t',
    'configure terminal',
    'sh run',
    'show run',
    'show ver',
    'reload',
    'debug all',
    'copy running-config tftp://10.0.0.1/x',
    'write memory',
    'show interfaces redirect',
    'ѕhow version', // Cyrillic dze
    'shоw version', // Cyrillic o
    'ｓhow version', // fullwidth s
    'show\u00a0version', // no-break space
    'show\u200bversion', // zero-width space
    'show version\u2028reload', // line separator
  ];

  it.each(smuggled)('refuses %j for every caller, admin included, and nothing reaches Catalyst Center', async (command) => {
    const before = h.sim.state.analysis.commandRequests.length;
    for (const user of ['alice', 'nina']) {
      const r = await call(user, 'run_show_command', { command, device_ids: [D.sjc01Acc01] });
      expect(r.isError, `${user}: ${command}`).toBe(true);
      expect(['ERR_AUTHZ_DENIED', 'ERR_VALIDATION']).toContain(errorCode(r));
    }
    expect(h.sim.state.analysis.commandRequests.length).toBe(before);
  });

  it('holds the device scope: service desk on the access layer only, CORE needs admin', async () => {
    const before = h.sim.state.analysis.commandRequests.length;
    const sam = await call('sam', 'run_show_command', { command: 'show version', device_ids: [D.sjc01Acc01, D.sjc01Dist01] });
    expect(sam.isError).toBe(true);
    expect(text(sam)).toContain('sjc01-dist-01 (DISTRIBUTION)');
    const nina = await call('nina', 'run_show_command', { command: 'show version', device_ids: [D.sjc01Core01] });
    expect(nina.isError).toBe(true);
    expect(text(nina)).toContain('sjc01-core-01 (CORE)');
    expect(h.sim.state.analysis.commandRequests.length).toBe(before);

    const alice = await call('alice', 'run_show_command', { command: 'show version', device_ids: [D.sjc01Core01] });
    expect(alice.isError).toBeFalsy();
    expect(out<RunOutput>(alice).results[0]?.output).toContain('sjc01-core-01 uptime');
  });

  it('refuses unknown devices and too many devices before deciding', async () => {
    const unknown = await call('alice', 'run_show_command', { command: 'show version', device_ids: ['de000000-0000-4000-8000-0000000000ff'] });
    expect(errorCode(unknown)).toBe('ERR_VALIDATION');
    expect(text(unknown)).toContain('device_ids: unknown device(s)');
    const many = Array.from({ length: 11 }, (_, i) => `de000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`);
    const tooMany = await call('alice', 'run_show_command', { command: 'show version', device_ids: many });
    expect(text(tooMany)).toContain('device_ids: at most 10 devices per call');
  });

  it('gives up on a Command Runner task that outlasts the wait, with a clear retryable error', async () => {
    h.sim.state.analysis.commandTaskDurationMs = 60_000;
    try {
      const r = await call('nina', 'run_show_command', { command: 'show clock', device_ids: [D.sjc01Acc01] });
      expect(r.isError).toBe(true);
      expect(errorCode(r)).toBe('ERR_UPSTREAM_TIMEOUT');
      expect(text(r)).toMatch(/did not finish within 3 s/);
    } finally {
      h.sim.state.analysis.commandTaskDurationMs = 150;
    }
  });

  it('reads interface counters: the duplex mismatch on sjc01-acc-02', async () => {
    const r = await call('sam', 'get_interface_counters', { device_id: D.sjc01Acc02, interface: 'GigabitEthernet1/0/24' });
    expect(r.isError).toBeFalsy();
    expect(out(r)).toMatchObject({ hostname: 'sjc01-acc-02', duplex: 'Half-duplex', speed: '100Mb/s', crc: 47905, input_errors: 48211, collisions: 9120 });
  });

  it('refuses an interface name that is not one', async () => {
    const before = h.sim.state.analysis.commandRequests.length;
    const r = await call('sam', 'get_interface_counters', { device_id: D.sjc01Acc02, interface: 'Gi1/0/1 | redirect x' });
    expect(r.isError).toBe(true);
    expect(h.sim.state.analysis.commandRequests.length).toBe(before);
  });
});

describe('mcp-analysis: path trace and configuration changes', () => {
  it('traces a path across the WAN through the distribution switch with the flapping uplink', async () => {
    const r = await call('sam', 'start_path_trace', { source_ip: '10.10.120.5', dest_ip: '10.20.110.9' });
    expect(r.isError).toBeFalsy();
    const o = out<{ status: string; hops: { hostname: string; egress_interface: string | null }[]; flow_analysis_id: string }>(r);
    expect(o.status).toBe('COMPLETED');
    expect(o.hops.map((x) => x.hostname)).toEqual(['sjc01-acc-01', 'sjc01-dist-01', 'sjc01-core-01', 'sjc01-br-01', 'nyc05-br-01', 'nyc05-core-01', 'nyc05-dist-01', 'nyc05-acc-01']);
    const again = out<{ status: string }>(await call('nina', 'get_path_trace', { flow_analysis_id: o.flow_analysis_id }));
    expect(again.status).toBe('COMPLETED');
  });

  it('reports a path that cannot be traced as FAILED with the reason', async () => {
    const o = out<{ status: string; failure_reason: string }>(await call('sam', 'start_path_trace', { source_ip: '10.10.120.5', dest_ip: '192.0.2.7' }));
    expect(o.status).toBe('FAILED');
    expect(o.failure_reason).toContain('192.0.2.7');
  });

  it('returns IN_PROGRESS with an id when the trace outlasts the wait', async () => {
    h.sim.state.analysis.pathTraceDurationMs = 60_000;
    try {
      const o = out<{ status: string; flow_analysis_id: string }>(await call('sam', 'start_path_trace', { source_ip: '10.10.120.5', dest_ip: '10.10.130.5' }));
      expect(o.status).toBe('IN_PROGRESS');
      expect(o.flow_analysis_id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      h.sim.state.analysis.pathTraceDurationMs = 150;
    }
  });

  it('shows what changed on sjc01-acc-02: speed and duplex forced yesterday, secrets redacted', async () => {
    const r = await call('nina', 'get_config_changes', { device_id: D.sjc01Acc02 });
    expect(r.isError).toBeFalsy();
    const o = out<{ diff: string; added_lines: number; removed_lines: number; to: { created_by: string } }>(r);
    expect(o.diff).toContain('+ speed 100');
    expect(o.diff).toContain('+ duplex half');
    expect(o.added_lines).toBe(2);
    expect(o.removed_lines).toBe(0);
    expect(o.to.created_by).toBe('mike.jones');
    for (const secret of Object.values(SIM_DEVICE_SECRETS)) expect(JSON.stringify(r)).not.toContain(secret);
  });

  it('applies the device scope to configuration changes too', async () => {
    const r = await call('sam', 'get_config_changes', { device_id: D.sjc01Dist01 });
    expect(r.isError).toBe(true);
    expect(errorCode(r)).toBe('ERR_AUTHZ_DENIED');
  });
});

// Last: the probe stops the IdP.
describe('auth edges (same on every surface)', () => {
  it('answers no credentials with a 401 challenge naming no error, a missing scope with 403, and an unreachable IdP with 503 + Retry-After', async () => {
    await expectMcpAuthEdges(h);
  });
});
