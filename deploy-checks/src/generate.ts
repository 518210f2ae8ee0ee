/**
 * `pnpm generate` — rewrites every artifact generated from `@mcp-platform/registry`
 * and the dev IdP seed: docker-compose.yml's generated regions, deploy/k8s/base,
 * deploy/k8s/components/monitoring, deploy/keycloak/realm-mcp.json, deploy/vault/policies and
 * deploy/prometheus/prometheus.yml. `registry-drift.test.ts`
 * (with `k8s.test.ts` and `keycloak-realm.test.ts`) fails until this has run.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRegions, COMPOSE_FILE, composeRegions } from './compose-servers.ts';
import { buildBase, K8S_DIR } from './k8s-manifests.ts';
import { buildMonitoring, MONITORING_DIR } from './k8s-monitoring.ts';
import { REALM_FILE, realmText } from './keycloak-realm.ts';
import { PROMETHEUS_CONFIG_FILE, prometheusConfigText } from './prometheus-config.ts';
import { VAULT_POLICY_DIR, writeVaultPolicies } from './vault-policies.ts';

writeFileSync(COMPOSE_FILE, applyRegions(readFileSync(COMPOSE_FILE, 'utf8'), composeRegions()));
const base = join(K8S_DIR, 'base');
mkdirSync(base, { recursive: true });
for (const [file, text] of Object.entries(buildBase())) writeFileSync(join(base, file), text);
mkdirSync(MONITORING_DIR, { recursive: true });
for (const [file, text] of Object.entries(buildMonitoring())) writeFileSync(join(MONITORING_DIR, file), text);
writeFileSync(REALM_FILE, realmText());
writeVaultPolicies();
writeFileSync(PROMETHEUS_CONFIG_FILE, prometheusConfigText());
process.stdout.write(`wrote ${[COMPOSE_FILE, base, MONITORING_DIR, REALM_FILE, VAULT_POLICY_DIR, PROMETHEUS_CONFIG_FILE].join(', ')}\n`);
