// Drift checks of the production profile run as processes (packages/tooling/src/production.ts, e2e/test/production.int.test.ts):
// it runs what docker-compose.yml says, changed only by the localization rules, and the Kubernetes base
// configures every service as compose does but for the listed environment differences.
import { readFileSync } from 'node:fs';
import {
  DROPPED,
  INFRASTRUCTURE,
  JOBS,
  NOT_RUN,
  composeEnvironment,
  listeningPorts,
  localEnvironment,
  nodeServices,
  readComposeFile,
  type ComposeFile,
  type Localization,
} from '@mcp-platform/tooling/production';
import { describe, expect, it } from 'vitest';
import { parseYamlDocuments, repoPath } from './repo.ts';

const compose = readComposeFile(repoPath('docker-compose.yml'));
const nodes = nodeServices(compose);

/** A run's addresses: every port of every component moved (+10000), Keycloak on localhost. */
function fakeRun(c: ComposeFile): Localization {
  const addresses: Record<string, Record<number, string>> = {};
  for (const name of Object.keys(c.services)) {
    addresses[name] = Object.fromEntries(listeningPorts(c, name).map((p) => [p, `${name === 'keycloak' ? 'localhost' : '127.0.0.1'}:${String(p + 10_000)}`]));
  }
  return { root: '/repo', fsRoot: '/run-fs', bindOverrides: { './deploy/certs/out': '/run-certs' }, addresses };
}

describe('the production profile runs what compose says', () => {
  it('accounts for every compose service: run as a process, a job, infrastructure, or named as not run (Elastic, Prometheus, Grafana)', () => {
    const accounted = [...INFRASTRUCTURE, ...JOBS, ...NOT_RUN, ...nodes.map((n) => n.name)].sort();
    expect(accounted).toEqual(Object.keys(compose.services).sort());
  });

  it('orders Node services after the Node services they depend on (gateway and proxy after every MCP server)', () => {
    const at = (name: string) => nodes.findIndex((n) => n.name === name);
    for (const n of nodes) for (const d of n.dependsOn) if (at(d) >= 0) expect(at(d), `${n.name} after ${d}`).toBeLessThan(at(n.name));
    expect(nodes.find((n) => n.name === 'catalyst-center-sim')?.entry).toBe('packages/sandboxes/src/bin/catalyst-center.ts');
    expect(nodes.find((n) => n.name === 'mcp-gateway')?.entry).toBe('services/mcp-gateway/src/main.ts');
  });

  it.each(nodes.map((n) => n.name))('%s: every compose variable is kept, changed only by the localization rules', (name) => {
    const composed = composeEnvironment(compose.services[name]!);
    const local = localEnvironment(compose, name, fakeRun(compose));
    expect(Object.keys(local).sort()).toEqual(Object.keys(composed).filter((k) => !(k in DROPPED)).sort());
    expect(local['PUBLIC_URL']).toBe(composed['PUBLIC_URL']);
    if (composed['PLATFORM_PROFILE'] !== undefined) expect(local['PLATFORM_PROFILE']).toBe('production');
    for (const [k, v] of Object.entries(local)) {
      if (v === composed[k]) continue;
      // Changed: an address of this run, a host path, or loopback instead of every interface.
      expect(`${k}=${v}`).toMatch(/127\.0\.0\.1|localhost|\/run-fs\/|\/run-certs\/|^[A-Z_]*PORT=\d+$|\/repo\//);
      if (k !== 'PUBLIC_URL') expect(`${k}=${v}`).not.toMatch(/0\.0\.0\.0|\/\/(keycloak|opa|vault|redis|temporal|mcp-[a-z]+|rest-proxy)[:/]|^[A-Z_]+=\/(certs|approle)\//);
    }
  });

  it('an address of a component this run does not have stops the plan, naming the variable', () => {
    const tiny: ComposeFile = { services: { svc: { environment: { UPSTREAM_URL: 'http://other:9000' } }, other: { ports: ['9000:9000'] } } };
    expect(() => localEnvironment(tiny, 'svc', { root: '/r', fsRoot: '/f', addresses: {} })).toThrow(/svc: UPSTREAM_URL names other:9000/);
  });

  it('named volumes land where every service that mounts them finds them (vault-init writes, each server reads its own)', () => {
    const run = fakeRun(compose);
    const init = localEnvironment(compose, 'vault-init', run);
    for (const n of nodes) {
      const file = localEnvironment(compose, n.name, run)['VAULT_ROLE_ID_FILE'];
      if (file === undefined) continue;
      expect(file).toBe(`${init['APPROLE_OUT']!}/${n.name}/role_id`);
    }
  });
});

/**
 * Where compose (the production shape on one machine) and the Kubernetes base may differ, and why.
 * Every other variable must have the same name and value in both.
 */
const COMPOSE_ONLY: Record<string, string> = {
  NODE_EXTRA_CA_CERTS: "compose's issuer has a certificate from the dev CA; a cluster's IdP has a publicly trusted one",
  VAULT_ROLE_ID_FILE: 'compose logs in with AppRole (vault-init); Kubernetes with its ServiceAccount (VAULT_K8S_ROLE)',
  VAULT_SECRET_ID_FILE: 'as VAULT_ROLE_ID_FILE',
  PROXY_CLIENT_ID: 'compose spells out the default (rest-proxy)',
};
const K8S_ONLY: Record<string, string> = { VAULT_K8S_ROLE: 'Kubernetes auth (see VAULT_ROLE_ID_FILE)' };
/** Variables a Kubernetes component (not the base) sets, by the component's kustomization file. */
const K8S_COMPONENT: Record<string, string> = { MANAGEMENT_TOKEN: 'deploy/k8s/components/monitoring/kustomization.yaml' };
/** Endpoints of the environment (and the Vault login method that goes with it) differ by design. */
const ENDPOINTS = new Set(['OIDC_ISSUER', 'VAULT_ADDR', 'VAULT_AUTH_METHOD', 'TEMPORAL_ADDRESS', 'CATALYST_BASE_URL', 'SERVICENOW_INSTANCE_URL', 'GITHUB_API_URL']);

describe('compose and the Kubernetes base configure each service alike', () => {
  const inK8s = nodes.filter((n) => n.name.startsWith('mcp-') || n.name === 'rest-proxy' || n.name === 'deploy-worker');

  it.each(inK8s.map((n) => n.name))('%s', (name) => {
    const docs = parseYamlDocuments(readFileSync(repoPath('deploy', 'k8s', 'base', `${name}.yaml`), 'utf8'));
    const config = (docs.find((d) => d['kind'] === 'ConfigMap')?.['data'] ?? {}) as Record<string, string>;
    const deployment = docs.find((d) => d['kind'] === 'Deployment') as { spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } } } | undefined;
    const fromSecrets = (deployment?.spec.template.spec.containers[0]?.env ?? []).map((e) => e.name);
    const fromComponents = Object.entries(K8S_COMPONENT).filter(([k, file]) => readFileSync(repoPath(file), 'utf8').includes(k)).map(([k]) => k);
    const k8s = new Set([...Object.keys(config), ...fromSecrets, ...fromComponents]);
    const composed = composeEnvironment(compose.services[name]!);
    expect(Object.keys(composed).filter((k) => !k8s.has(k) && !(k in COMPOSE_ONLY)), 'set by compose only').toEqual([]);
    expect([...k8s].filter((k) => !(k in composed) && !(k in K8S_ONLY) && !fromComponents.includes(k)), 'set by Kubernetes only').toEqual([]);
    for (const [k, v] of Object.entries(config)) if (k in composed && !ENDPOINTS.has(k)) expect(v, `${name} ${k}`).toBe(composed[k]);
  });
});
