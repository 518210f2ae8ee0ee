/**
 * Builds the Kibana saved objects (`deploy/elastic/kibana-dashboard.ndjson`): a
 * data view over `logs-mcp-*` and the "MCP platform — tool calls" dashboard with
 * aggregation-based panels: calls per tool, authorization denies, errors, latency
 * (p50/p95 of `event.duration`), top users.
 *
 * `pnpm --filter @mcp-platform/deploy-checks dashboard` rewrites the committed file;
 * `elastic.test.ts` fails when it differs and checks every field a panel uses
 * against the index template and against real log lines of a running server.
 *
 * @example
 * ```ts
 * const objects = buildSavedObjects();
 * const fields = dashboardFields(objects); // ['event.action', 'mcp.tool', …]
 * ```
 * @module
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of the committed saved-objects file. */
export const DASHBOARD_FILE = fileURLToPath(new URL('../../deploy/elastic/kibana-dashboard.ndjson', import.meta.url));

const DATA_VIEW_ID = 'mcp-platform-logs';
const DASHBOARD_ID = 'mcp-platform-tool-calls';

type Json = Record<string, unknown>;

interface Panel {
  id: string;
  title: string;
  /** KQL filter of the panel. */
  query: string;
  visType: 'histogram' | 'table' | 'line' | 'metric';
  aggs: Json[];
}

const TOOL_CALLS = 'event.dataset : *.audit and event.action : "tool-call"';

const PANELS: Panel[] = [
  {
    id: 'mcp-calls-per-tool',
    title: 'Tool calls per tool',
    query: TOOL_CALLS,
    visType: 'histogram',
    aggs: [
      { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} },
      { id: '2', enabled: true, type: 'terms', schema: 'segment', params: { field: 'mcp.tool', size: 20, order: 'desc', orderBy: '1' } },
      { id: '3', enabled: true, type: 'terms', schema: 'group', params: { field: 'mcp.server', size: 5, order: 'desc', orderBy: '1' } },
    ],
  },
  {
    id: 'mcp-authz-denies',
    title: 'Authorization denies (by tool and user)',
    query: 'event.action : "authz-decision" and event.outcome : "failure"',
    visType: 'table',
    aggs: [
      { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} },
      { id: '2', enabled: true, type: 'terms', schema: 'bucket', params: { field: 'mcp.tool', size: 20, order: 'desc', orderBy: '1' } },
      { id: '3', enabled: true, type: 'terms', schema: 'bucket', params: { field: 'user.id', size: 20, order: 'desc', orderBy: '1' } },
      { id: '4', enabled: true, type: 'terms', schema: 'bucket', params: { field: 'event.reason', size: 10, order: 'desc', orderBy: '1' } },
    ],
  },
  {
    id: 'mcp-errors',
    title: 'Failed tool calls and error lines over time',
    query: `(${TOOL_CALLS} and event.outcome : "failure") or log.level : "error"`,
    visType: 'line',
    aggs: [
      { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} },
      { id: '2', enabled: true, type: 'date_histogram', schema: 'segment', params: { field: '@timestamp', interval: 'auto', min_doc_count: 0 } },
      { id: '3', enabled: true, type: 'terms', schema: 'group', params: { field: 'service.name', size: 10, order: 'desc', orderBy: '1' } },
    ],
  },
  {
    id: 'mcp-latency',
    title: 'Tool call latency p50 / p95 (event.duration, ns)',
    query: TOOL_CALLS,
    visType: 'line',
    aggs: [
      { id: '1', enabled: true, type: 'percentiles', schema: 'metric', params: { field: 'event.duration', percents: [50, 95] } },
      { id: '2', enabled: true, type: 'date_histogram', schema: 'segment', params: { field: '@timestamp', interval: 'auto', min_doc_count: 0 } },
    ],
  },
  {
    id: 'mcp-top-users',
    title: 'Top users (tool calls)',
    query: TOOL_CALLS,
    visType: 'table',
    aggs: [
      { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} },
      { id: '2', enabled: true, type: 'terms', schema: 'bucket', params: { field: 'user.id', size: 10, order: 'desc', orderBy: '1' } },
      { id: '3', enabled: true, type: 'terms', schema: 'bucket', params: { field: 'client.id', size: 5, order: 'desc', orderBy: '1' } },
    ],
  },
];

function visualization(p: Panel): Json {
  const searchSource = { query: { query: p.query, language: 'kuery' }, filter: [], indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index' };
  return {
    type: 'visualization',
    id: p.id,
    attributes: {
      title: p.title,
      description: '',
      uiStateJSON: '{}',
      version: 1,
      visState: JSON.stringify({ title: p.title, type: p.visType, aggs: p.aggs, params: { addTooltip: true, addLegend: true } }),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(searchSource) },
    },
    references: [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: DATA_VIEW_ID }],
  };
}

/**
 * The saved objects, in import order (data view, visualizations, dashboard).
 *
 * @example
 * ```ts
 * buildSavedObjects().map((o) => o['type']); // ['index-pattern', 'visualization', …, 'dashboard']
 * ```
 */
export function buildSavedObjects(): Json[] {
  const dataView: Json = {
    type: 'index-pattern',
    id: DATA_VIEW_ID,
    attributes: { title: 'logs-mcp-*', name: 'mcp-platform logs', timeFieldName: '@timestamp' },
    references: [],
  };
  const panelsJSON = PANELS.map((p, i) => ({
    panelIndex: String(i + 1),
    gridData: { x: (i % 2) * 24, y: Math.floor(i / 2) * 15, w: 24, h: 15, i: String(i + 1) },
    embeddableConfig: {},
    panelRefName: `panel_${String(i)}`,
  }));
  const dashboard: Json = {
    type: 'dashboard',
    id: DASHBOARD_ID,
    attributes: {
      title: 'MCP platform — tool calls',
      description: 'Calls per tool, authorization denies, errors, latency and top users from the services’ ECS audit lines.',
      panelsJSON: JSON.stringify(panelsJSON),
      optionsJSON: JSON.stringify({ useMargins: true, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: 'now-24h',
      timeTo: 'now',
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references: PANELS.map((p, i) => ({ name: `panel_${String(i)}`, type: 'visualization', id: p.id })),
  };
  return [dataView, ...PANELS.map(visualization), dashboard];
}

/** The ndjson text: one object a line. */
export function savedObjectsText(): string {
  return `${buildSavedObjects().map((o) => JSON.stringify(o)).join('\n')}\n`;
}

const KQL_FIELD = /([A-Za-z@][\w.@]*)\s*:/g;

/**
 * Every document field the saved objects use: aggregation fields, KQL query
 * fields, and the data view's time field.
 *
 * @example
 * ```ts
 * dashboardFields(buildSavedObjects()).includes('mcp.tool'); // true
 * ```
 */
export function dashboardFields(objects: readonly Json[]): string[] {
  const fields = new Set<string>();
  for (const o of objects) {
    const attrs = (o['attributes'] ?? {}) as Json;
    if (typeof attrs['timeFieldName'] === 'string') fields.add(attrs['timeFieldName']);
    if (typeof attrs['visState'] === 'string') {
      const vis = JSON.parse(attrs['visState']) as { aggs: { params: { field?: string } }[] };
      for (const a of vis.aggs) if (a.params.field !== undefined) fields.add(a.params.field);
    }
    const meta = attrs['kibanaSavedObjectMeta'] as { searchSourceJSON?: string } | undefined;
    if (meta?.searchSourceJSON !== undefined) {
      const src = JSON.parse(meta.searchSourceJSON) as { query?: { query?: string } };
      for (const m of (src.query?.query ?? '').matchAll(KQL_FIELD)) fields.add(m[1] as string);
    }
  }
  return [...fields].sort();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(DASHBOARD_FILE, savedObjectsText());
  process.stdout.write(`wrote ${DASHBOARD_FILE}\n`);
}
