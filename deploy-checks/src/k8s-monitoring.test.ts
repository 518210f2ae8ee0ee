import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKERS } from '@mcp-platform/registry';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findKustomize } from '@mcp-platform/tooling/kustomize';
import { K8S_DIR } from './k8s-manifests.ts';
import { buildMonitoring, MANAGEMENT_SECRET, MONITORING_DIR, monitoredServices } from './k8s-monitoring.ts';
import { parseYamlDocuments, repoPath } from './repo.ts';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec: Record<string, unknown> };

// A throw-away overlay beside the real ones (kustomize loads only relative paths): production + the component.
const CHECK_DIR = join(K8S_DIR, `.monitoring-check-${process.pid}`);
afterAll(() => rmSync(CHECK_DIR, { recursive: true, force: true }));

function renderProductionWithMonitoring(): K8sObject[] {
  const kustomize = findKustomize();
  if (kustomize === undefined) throw new Error('kustomize is not installed: run `pnpm tools ensure` (or set KUSTOMIZE_BIN)');
  mkdirSync(CHECK_DIR, { recursive: true });
  // As if the production overlay listed the component: same namespace.
  const { namespace } = parse(readFileSync(join(K8S_DIR, 'overlays', 'production', 'kustomization.yaml'), 'utf8')) as { namespace: string };
  writeFileSync(
    join(CHECK_DIR, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${namespace}\nresources: [../overlays/production]\ncomponents: [../components/monitoring]\n`,
  );
  const out = spawnSync(kustomize, ['build', CHECK_DIR], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kustomize build failed: ${out.stderr}`);
  return parseYamlDocuments(out.stdout) as K8sObject[];
}

describe('deploy/k8s/components/monitoring (Prometheus Operator)', () => {
  it('is what the generator builds from the registry (`pnpm generate`)', () => {
    for (const [file, text] of Object.entries(buildMonitoring())) expect(readFileSync(join(MONITORING_DIR, file), 'utf8'), file).toBe(text);
  });

  const objects = renderProductionWithMonitoring();
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('monitors every platform Service through a port it has, with the management token, and every worker pod', () => {
    const monitors = byKind('ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([...monitoredServices()].sort());
    for (const m of monitors) {
      const selector = (m.spec['selector'] as { matchLabels: Record<string, string> }).matchLabels;
      const services = byKind('Service').filter((s) => Object.entries(selector).every(([k, v]) => s.metadata.labels?.[k] === v));
      expect(services, `${m.metadata.name} selects no Service`).toHaveLength(1);
      const ports = (services[0]?.spec['ports'] as { name: string }[]).map((p) => p.name);
      const [endpoint] = m.spec['endpoints'] as { port: string; path: string; authorization: { credentials: { name: string } } }[];
      expect(ports).toContain(endpoint?.port);
      expect(endpoint?.path).toBe('/metrics');
      expect(endpoint?.authorization.credentials.name).toBe(MANAGEMENT_SECRET);
    }
    expect(byKind('PodMonitor').map((m) => m.metadata.name)).toEqual(WORKERS.map((w) => w.name));
  });

  it('gives each monitored Deployment MANAGEMENT_TOKEN from the same Secret, and keeps the overlay namespace', () => {
    for (const name of monitoredServices()) {
      const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as unknown as { spec: { template: { spec: { containers: { env: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[] }[] } } } };
      const env = d.spec.template.spec.containers[0]?.env ?? [];
      expect(env.find((e) => e.name === 'MANAGEMENT_TOKEN')?.valueFrom?.secretKeyRef?.name, name).toBe(MANAGEMENT_SECRET);
    }
    const ns = objects.find((o) => o.kind === 'Namespace')?.metadata.name;
    for (const o of [...byKind('ServiceMonitor'), ...byKind('PodMonitor'), ...byKind('PrometheusRule')]) expect(o.metadata.namespace).toBe(ns);
  });

  it('carries exactly the promtool-tested rules of deploy/prometheus/alerts.yml', () => {
    const [rule] = byKind('PrometheusRule');
    expect(rule?.spec['groups']).toEqual((parse(readFileSync(repoPath('deploy', 'prometheus', 'alerts.yml'), 'utf8')) as { groups: unknown }).groups);
  });
});
