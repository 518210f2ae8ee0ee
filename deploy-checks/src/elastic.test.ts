import { readFileSync } from 'node:fs';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startNetworkServer } from '@mcp-platform/mcp-network';
import { DEV_SECRETS, loadConfig } from '@mcp-platform/mcp-network/config';
import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startSpineHarness, type SpineHarness } from '@mcp-platform/test-support';
import { buildSavedObjects, DASHBOARD_FILE, dashboardFields, savedObjectsText } from './kibana-dashboard.ts';
import { repoPath } from './repo.ts';

type Json = Record<string, unknown>;
type NetworkHarness = SpineHarness<CatalystSimulator, Awaited<ReturnType<typeof startNetworkServer>>>;

/** mcp-network on the full spine (dev IdP, real OPA, the simulator), built from its package exports. */
function startHarness(): Promise<NetworkHarness> {
  return startSpineHarness({
    name: 'mcp-network',
    startSimulator: () => startCatalystCenterSimulator({ port: 0, ...DEV_SECRETS['catalyst-center'] }),
    startServer: ({ env, sim, logStream }) => startNetworkServer(loadConfig({ ...env, CATALYST_BASE_URL: sim.url }), { logStream }),
  });
}

const template = JSON.parse(readFileSync(repoPath('deploy', 'elastic', 'index-template.json'), 'utf8')) as {
  index_patterns: string[];
  data_stream?: Json;
  template: { mappings: { properties: Json } };
};
const ndjson = readFileSync(DASHBOARD_FILE, 'utf8');
const objects = ndjson.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
const fields = dashboardFields(objects);

/** The mapping of a dotted field in the template's `properties` tree, if declared. */
function mappingOf(field: string): { type?: string } | undefined {
  let node: Json | undefined = template.template.mappings.properties;
  const parts = field.split('.');
  for (const [i, part] of parts.entries()) {
    const entry = node?.[part] as Json | undefined;
    if (entry === undefined) return undefined;
    if (i === parts.length - 1) return entry as { type?: string };
    node = entry['properties'] as Json | undefined;
  }
  return undefined;
}

/** Every leaf path of a log line, dotted (`log.level` written flat counts as the same path, as Filebeat's expand_keys makes it). */
function paths(obj: Json, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? [p, ...paths(v as Json, p)] : [p];
  });
}

/** Leaf paths only (values that are not objects). */
function leafPaths(obj: Json, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? leafPaths(v as Json, p) : [p];
  });
}

describe('deploy/elastic', () => {
  it('index template: a data stream for logs-mcp-* with the ECS fields the services write', () => {
    expect(template.index_patterns).toEqual(['logs-mcp-*']);
    expect(template.data_stream).toEqual({});
    for (const f of ['@timestamp', 'service.name', 'event.dataset', 'event.action', 'event.outcome', 'event.duration', 'trace.id', 'user.id', 'mcp.tool']) {
      expect(mappingOf(f), f).toBeDefined();
    }
    expect(mappingOf('event.duration')?.type).toBe('long');
    expect(mappingOf('@timestamp')?.type).toBe('date');
  });

  it('Filebeat writes to the template’s data streams and parses ECS JSON', () => {
    const fb = parse(readFileSync(repoPath('deploy', 'elastic', 'filebeat.yml'), 'utf8')) as Json;
    const text = JSON.stringify(fb);
    expect(text).toContain('logs-mcp-%{[service.environment]:compose}');
    expect(text).toContain('"expand_keys":true');
    expect((fb['setup.template.enabled'] as boolean | undefined) ?? true).toBe(false);
  });

  it('saved objects are what the generator builds (run `pnpm --filter @mcp-platform/deploy-checks dashboard`)', () => {
    expect(ndjson).toBe(savedObjectsText());
  });

  it('saved objects: a data view over logs-mcp-*, a dashboard whose every panel reference resolves', () => {
    const ids = new Set(objects.map((o) => `${String(o['type'])}:${String(o['id'])}`));
    for (const o of objects) {
      for (const ref of (o['references'] ?? []) as { type: string; id: string }[]) expect(ids.has(`${ref.type}:${ref.id}`), `${String(o['id'])} → ${ref.id}`).toBe(true);
    }
    const dashboard = objects.find((o) => o['type'] === 'dashboard') as { attributes: { panelsJSON: string }; references: unknown[] };
    expect(JSON.parse(dashboard.attributes.panelsJSON)).toHaveLength(dashboard.references.length);
    const titles = objects.filter((o) => o['type'] === 'visualization').map((o) => String((o['attributes'] as Json)['title']));
    for (const topic of [/per tool/, /denies/i, /Failed|error/i, /latency/i, /Top users/]) expect(titles.some((t) => topic.test(t)), String(topic)).toBe(true);
    expect(buildSavedObjects().length).toBe(objects.length);
  });

  it('every field the dashboard uses is mapped with an aggregatable type', () => {
    expect(fields).toEqual(expect.arrayContaining(['mcp.tool', 'user.id', 'event.duration', 'event.outcome', 'event.action']));
    for (const f of fields) {
      const m = mappingOf(f);
      expect(m, `${f} is not in index-template.json`).toBeDefined();
      expect(['keyword', 'long', 'date'], `${f} type`).toContain(m?.type);
    }
  });

  describe('against real log lines of mcp-network (IdP, OPA, simulator, full spine)', () => {
    let h: NetworkHarness;
    beforeAll(async () => {
      h = await startHarness();
      const nina = await h.client('nina');
      await nina.callTool({ name: 'list_devices', arguments: { limit: 2 } }); // allowed, success
      // An upstream failure: a device id the simulator does not know.
      const missing = (await nina.callTool({ name: 'get_device', arguments: { device_id: 'de000000-0000-4000-8000-0000000000ff' } })) as CallToolResult;
      expect(missing.isError).toBe(true);
      const eve = await h.client('eve'); // no groups: denied by policy
      const denied = (await eve.callTool({ name: 'list_devices', arguments: {} })) as CallToolResult;
      expect(denied.isError).toBe(true);
    });
    afterAll(async () => {
      await h?.stop();
    });

    it('every dashboard field appears in what the server logged', () => {
      const seen = new Set(h.logs.flatMap((l) => paths(l)));
      for (const f of fields) expect(seen.has(f), `${f} never logged`).toBe(true);
    });

    it('each panel’s filter matches real lines: tool calls, a deny with its reason, a failed call', () => {
      const audit = h.logs.filter((l) => String((l['event'] as Json)['dataset']).endsWith('.audit'));
      const ev = (l: Json) => l['event'] as Json;
      const toolCalls = audit.filter((l) => ev(l)['action'] === 'tool-call');
      expect(toolCalls.length).toBeGreaterThanOrEqual(2);
      for (const l of toolCalls) {
        expect((l['mcp'] as Json)['tool']).toBeTypeOf('string');
        expect((l['user'] as Json)['id']).toBeTypeOf('string');
        expect(ev(l)['duration']).toBeTypeOf('number');
      }
      expect(toolCalls.some((l) => ev(l)['outcome'] === 'failure')).toBe(true);
      const denies = audit.filter((l) => ev(l)['action'] === 'authz-decision' && ev(l)['outcome'] === 'failure');
      expect(denies.length).toBeGreaterThanOrEqual(1);
      expect(denies[0]!['user']).toMatchObject({ id: 'eve' });
      expect(ev(denies[0]!)['reason']).toBeTypeOf('string');
    });

    it('every field the server logs on audit lines is mapped (no surprise dynamic mappings on the panels’ fields)', () => {
      const audit = h.logs.filter((l) => String((l['event'] as Json)['dataset']).endsWith('.audit'));
      const leafs = new Set(audit.flatMap((l) => leafPaths(l)).filter((p) => /^(event|user|client|mcp|service|trace|span|http)\./.test(p)));
      const unmapped = [...leafs].filter((p) => mappingOf(p)?.type === undefined);
      expect(unmapped).toEqual([]);
    });
  });
});
