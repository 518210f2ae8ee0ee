import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { findKustomize } from '@mcp-platform/tooling/kustomize';
import { buildBase, K8S_DIR, SERVICES } from './k8s-manifests.ts';
import { parseYamlDocuments, repoPath } from './repo.ts';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

/**
 * Validates one object against the Kubernetes JSON schemas shipped by
 * `kubernetes-models` (pinned in package.json; the generated OpenAPI schemas of
 * the Kubernetes API): the model class for apiVersion/kind, then `validate()`.
 */
async function validateObject(obj: K8sObject): Promise<void> {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const modulePath = group === '' ? `kubernetes-models/${String(version)}` : `kubernetes-models/${String(group)}/${String(version)}`;
  const mod = (await import(modulePath)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = mod[obj.kind];
  if (Model === undefined) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}

const kustomize = findKustomize();
const overlays = readdirSync(join(K8S_DIR, 'overlays'));

function render(dir: string): K8sObject[] {
  if (kustomize === undefined) throw new Error('kustomize is not installed: run `pnpm tools ensure` (or set KUSTOMIZE_BIN)');
  const out = spawnSync(kustomize, ['build', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kustomize build ${dir} failed: ${out.stderr}`);
  return parseYamlDocuments(out.stdout) as K8sObject[];
}

describe('deploy/k8s', () => {
  it('base is what the generator builds (edit k8s-manifests.ts, then `pnpm --filter @mcp-platform/deploy-checks k8s`)', () => {
    for (const [file, text] of Object.entries(buildBase())) {
      expect(readFileSync(join(K8S_DIR, 'base', file), 'utf8'), file).toBe(text);
    }
  });

  it('has a production and a dev overlay', () => {
    expect(overlays.sort()).toEqual(['dev', 'production']);
  });

  describe.each(overlays)('overlay %s', (overlay) => {
    const objects = render(join(K8S_DIR, 'overlays', overlay));

    it('renders with kustomize and every object validates against the Kubernetes JSON schemas', async () => {
      expect(objects.length).toBeGreaterThan(SERVICES.length * 5);
      for (const obj of objects) {
        try {
          await validateObject(obj);
        } catch (err) {
          throw new Error(`${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`, { cause: err });
        }
      }
    });

    it('puts every object in the overlay namespace', () => {
      const ns = objects.find((o) => o.kind === 'Namespace')?.metadata.name;
      expect(ns).toBeDefined();
      for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(ns);
    });

    it('gives every Deployment probes, requests/limits, a non-root user, an HPA on CPU and a PDB', () => {
      const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
      const deployments = byKind('Deployment');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICES.map((s) => s.name), 'opa'].sort());
      for (const d of deployments) {
        const name = d.metadata.name;
        const spec = d['spec'] as { template: { spec: { containers: Record<string, unknown>[]; securityContext?: { runAsNonRoot?: boolean } } } };
        const c = spec.template.spec.containers[0] as Record<string, Record<string, unknown> | undefined>;
        const service = SERVICES.find((s) => s.name === name);
        if (service?.port !== undefined || service?.probePort !== undefined || name === 'opa') {
          expect(c['livenessProbe'], name).toBeDefined();
          expect(c['readinessProbe'], name).toBeDefined();
        }
        if (service?.port !== undefined) {
          expect((c['livenessProbe']?.['httpGet'] as { path: string }).path, name).toBe('/healthz');
          expect((c['readinessProbe']?.['httpGet'] as { path: string }).path, name).toBe('/readyz');
          expect(byKind('Service').some((s) => s.metadata.name === name), `${name} Service`).toBe(true);
        }
        const resources = c['resources'] as { requests?: Record<string, string>; limits?: Record<string, string> };
        expect(resources.requests?.['cpu'] && resources.requests['memory'] && resources.limits?.['cpu'] && resources.limits['memory'], `${name} resources`).toBeTruthy();
        expect(spec.template.spec.securityContext?.runAsNonRoot, `${name} runAsNonRoot`).toBe(true);
        const hpa = byKind('HorizontalPodAutoscaler').find((h) => (h['spec'] as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name);
        expect(JSON.stringify(hpa?.['spec']), `${name} HPA on cpu`).toContain('"name":"cpu"');
        expect(byKind('PodDisruptionBudget').some((p) => p.metadata.name === name), `${name} PDB`).toBe(true);
      }
    });

    it('references only ConfigMaps that exist, and logs in to Vault with Kubernetes auth as its own ServiceAccount', () => {
      const configMaps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
      for (const d of objects.filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'opa')) {
        const pod = (d['spec'] as { template: { spec: { serviceAccountName: string; containers: { envFrom: { configMapRef: { name: string } }[] }[] } } }).template.spec;
        const cmName = pod.containers[0]!.envFrom[0]!.configMapRef.name;
        expect(configMaps.has(cmName), `${d.metadata.name} → ${cmName}`).toBe(true);
        const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmName) as unknown as { data: Record<string, string> };
        if (cm.data['VAULT_ADDR'] !== undefined) {
          expect(cm.data['VAULT_AUTH_METHOD']).toBe('kubernetes');
          expect(cm.data['VAULT_K8S_ROLE']).toBe(pod.serviceAccountName);
          expect(existsSync(repoPath('deploy', 'vault', 'policies', `${pod.serviceAccountName}.hcl`)), `${pod.serviceAccountName} Vault policy`).toBe(true);
        }
      }
    });

    it("passes each service's own config schema with its ConfigMap (Secret-backed variables as placeholders)", async () => {
      const { parseConfig } = await import('@mcp-platform/mcp-common/config');
      for (const s of SERVICES) {
        const configFile = repoPath('services', s.name, 'src', 'config.ts');
        if (!existsSync(configFile)) continue; // a service still being built: checked once its config lands
        const { configSchema } = (await import(pathToFileURL(configFile).href)) as { configSchema: z.ZodType };
        const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === s.name) as unknown as { spec: { template: { spec: { containers: { envFrom: { configMapRef: { name: string } }[]; env: { name: string }[] }[] } } } };
        const container = d.spec.template.spec.containers[0]!;
        const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === container.envFrom[0]!.configMapRef.name) as unknown as { data: Record<string, string> };
        const env: Record<string, string> = { ...cm.data };
        for (const e of container.env) env[e.name] ??= `<from ${e.name}>`;
        expect(() => parseConfig(s.name, configSchema, env), s.name).not.toThrow();
      }
    });
  });
});
