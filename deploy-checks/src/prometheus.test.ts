import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createMetrics } from '@mcp-platform/mcp-common/metrics';
import { describe, expect, it, type TestContext } from 'vitest';
import { parse } from 'yaml';
import { findPromtool, PROMTOOL_VERSION } from '@mcp-platform/tooling/promtool';
import { COMPOSE_MANAGEMENT_TOKEN, PROMETHEUS_CONFIG_FILE, prometheusConfigText, scrapeTargets } from './prometheus-config.ts';
import { metricNames } from './promql.ts';
import { environmentOf, readCompose, repoPath } from './repo.ts';

const RULES = repoPath('deploy', 'prometheus', 'alerts.yml');
const RULE_TESTS = repoPath('deploy', 'prometheus', 'alerts.test.yml');
const DASHBOARD = repoPath('deploy', 'grafana', 'dashboards', 'mcp-platform.json');

interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}
const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);

/** Every series name the platform exports: the spine's metrics (histograms with their suffixes), Node's process metrics, the recording rules, `up`. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics({ defaultLabels: { service: 'x' } });
  const names = new Set<string>(['up']);
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
    if (String(m.type) === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${m.name}${suffix}`);
  }
  for (const r of rules) if (r.record) names.add(r.record);
  return names;
}

/**
 * promtool is built by `pnpm tools ensure`. Only where it truly cannot be had (no cached build, no
 * `go` to build one, no PROMTOOL_BIN) are the promtool tests skipped, with this note in the report
 * and on stderr; `pnpm tools ensure` says the same when the build is impossible.
 */
const PROMTOOL = findPromtool();
const NO_PROMTOOL = `promtool ${PROMTOOL_VERSION} is not installed and could not be built: run \`pnpm tools ensure\` (needs \`go\`) or set PROMTOOL_BIN`;
if (PROMTOOL === undefined) process.stderr.write(`deploy-checks: SKIPPING the promtool tests: ${NO_PROMTOOL}\n`);

function promtool(ctx: TestContext, ...args: string[]): { status: number | null; output: string } {
  if (PROMTOOL === undefined) return ctx.skip(NO_PROMTOOL);
  const out = spawnSync(PROMTOOL, args, { encoding: 'utf8', cwd: repoPath('deploy', 'prometheus') });
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}

describe('Prometheus alert rules', () => {
  it('pass `promtool check rules`', (ctx) => {
    const r = promtool(ctx, 'check', 'rules', RULES);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status, r.output).toBe(0);
  });

  it('pass their unit tests (`promtool test rules alerts.test.yml`)', (ctx) => {
    const r = promtool(ctx, 'test', 'rules', RULE_TESTS);
    expect(r.status, r.output).toBe(0);
  });

  it('cover what on-call needs: error ratio, denial spike, breaker open, secrets backend sealed, IdP unreachable, SLO burn', () => {
    const alerts = rules.flatMap((r) => (r.alert ? [r.alert] : []));
    expect(alerts).toEqual(
      expect.arrayContaining(['McpToolCallErrorRatioHigh', 'McpAuthzDenialSpike', 'McpUpstreamBreakerOpen', 'McpSecretsBackendUnavailable', 'McpIdentityProviderUnreachable', 'McpErrorBudgetFastBurn', 'McpErrorBudgetSlowBurn']),
    );
    const tested = readFileSync(RULE_TESTS, 'utf8');
    for (const a of alerts) expect(tested, `no unit test for ${a}`).toContain(`alertname: ${a}`);
  });

  it('read only series the platform exports', async () => {
    const known = await exportedNames();
    for (const r of rules) {
      for (const name of metricNames(r.expr)) expect(known.has(name), `${r.alert ?? r.record}: unknown series ${name}`).toBe(true);
    }
  });
});

describe('Grafana dashboard', () => {
  interface Panel {
    title: string;
    datasource: { uid: string };
    targets: { expr: string }[];
  }
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: { query: { query: string } }[] } };

  it('queries only series the platform exports (so every panel can show data)', async () => {
    const known = await exportedNames();
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: p.title, expr: t.expr }))), ...dashboard.templating.list.map((v) => ({ where: 'variable', expr: v.query.query.replace(/^label_values\(([^,]+),.*$/, '$1') }))];
    expect(exprs.length).toBeGreaterThan(10);
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${where}: no metric in ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(known.has(name), `${where}: unknown series ${name}`).toBe(true);
    }
  });

  it('uses the provisioned Prometheus datasource on every panel', () => {
    const provisioned = parse(readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as { datasources: { uid: string }[] };
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    for (const p of dashboard.panels) expect(uids.has(p.datasource.uid), p.title).toBe(true);
  });
});

describe('scrape configuration', () => {
  it('is what the generator builds from the registry (`pnpm generate`)', () => {
    expect(readFileSync(PROMETHEUS_CONFIG_FILE, 'utf8')).toBe(prometheusConfigText());
  });

  it('scrapes every platform service of docker-compose.yml, with the management token the service was given', () => {
    const compose = readCompose();
    for (const t of scrapeTargets()) {
      const svc = compose.services[t.job];
      expect(svc, `${t.job} is not a compose service`).toBeDefined();
      if (t.managed && svc) expect(environmentOf(svc)['MANAGEMENT_TOKEN'], t.job).toBe(COMPOSE_MANAGEMENT_TOKEN);
    }
    expect(compose.services['prometheus']).toBeDefined();
  });

  it('passes `promtool check config`', (ctx) => {
    const r = promtool(ctx, 'check', 'config', PROMETHEUS_CONFIG_FILE);
    expect(r.status, r.output).toBe(0);
  });
});

describe('metricNames (the PromQL reading the checks above rely on)', () => {
  it('finds metric names and skips functions, label matchers, clauses, durations and numbers', () => {
    expect(metricNames('sum by (service) (rate(mcp_tool_calls_total{outcome="error",x=~"a|b"}[5m])) / sum by (service) (rate(mcp_tool_calls_total[1h] offset 5m)) > 14.4 * 0.005')).toEqual(['mcp_tool_calls_total']);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(mcp_http_request_duration_seconds_bucket{service=~"$service"}[5m])))')).toEqual(['mcp_http_request_duration_seconds_bucket']);
    expect(metricNames('mcp:tool_call_errors:ratio_rate1h > 0.072 and on (service) up == 0 or vector(1e3)')).toEqual(['mcp:tool_call_errors:ratio_rate1h', 'up']);
  });
});
