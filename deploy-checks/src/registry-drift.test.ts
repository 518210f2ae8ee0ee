import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import { audiences, backendServers, clusterUrl, REST_PROXY, SERVERS, WORKERS } from '@mcp-platform/registry';
import { SEED_RESOURCE_SERVERS } from '@mcp-platform/sandboxes/idp';
import { describe, expect, it } from 'vitest';
import { applyRegions, COMPOSE_FILE, composeRegions, RegionMarkerError } from './compose-servers.ts';
import { buildRealm } from './keycloak-realm.ts';
import { environmentOf, readCompose, repoPath } from './repo.ts';
import { buildVaultPolicies, VAULT_POLICY_DIR } from './vault-policies.ts';

// Every artifact generated from @mcp-platform/registry must equal what the generator
// makes of it now: `pnpm generate` rewrites them. (k8s.test.ts and keycloak-realm.test.ts
// do the same for deploy/k8s/base and the realm.)
describe('artifacts generated from the registry', () => {
  it('docker-compose.yml: every generated region is what the registry says', () => {
    const committed = readFileSync(COMPOSE_FILE, 'utf8');
    expect(applyRegions(committed, composeRegions()), 'docker-compose.yml drifted from the registry: run `pnpm generate`').toBe(committed);
  });

  it('docker-compose.yml: each server runs on its registry port and URL, with its simulator and its own AppRole', () => {
    const compose = readCompose();
    for (const s of SERVERS) {
      const svc = compose.services[s.name];
      expect(svc, s.name).toBeDefined();
      const env = environmentOf(svc!);
      expect(env['PORT']).toBe(String(s.port));
      expect(env['PUBLIC_URL']).toBe(clusterUrl(s));
      if (s.upstream !== undefined) expect(compose.services[s.upstream.simulator.name], `${s.upstream.simulator.name} (hand-written in compose)`).toBeDefined();
    }
    const proxyEnv = environmentOf(compose.services[REST_PROXY.name]!);
    const backends = Object.fromEntries(backendServers().map((s) => [s.key, clusterUrl(s)]));
    expect(JSON.parse(String(proxyEnv['PROXY_BACKENDS']))).toEqual(backends);
    // The gateway federates every other server and is nobody's backend.
    for (const g of SERVERS.filter((s) => s.federates === true)) {
      expect(JSON.parse(String(environmentOf(compose.services[g.name]!)['GATEWAY_BACKENDS'])), g.name).toEqual(backends);
      expect(Object.keys(compose.services[g.name]?.depends_on ?? {}), g.name).toEqual(expect.arrayContaining(backendServers().map((s) => s.name)));
    }
    expect(String(environmentOf(compose.services['vault-init']!)['MCP_SERVICES']).split(',')).toEqual(
      expect.arrayContaining([...SERVERS, ...WORKERS].filter((s) => s.secrets.length > 0).map((s) => s.name)),
    );
  });

  it('deploy/vault/policies: exactly one generated policy per Vault identity of the registry', () => {
    const generated = buildVaultPolicies();
    expect(readdirSync(VAULT_POLICY_DIR).filter((f) => f.endsWith('.hcl')).sort()).toEqual(Object.keys(generated).sort());
    for (const [file, text] of Object.entries(generated)) {
      expect(readFileSync(join(VAULT_POLICY_DIR, file), 'utf8'), `${file} drifted from the registry: run \`pnpm generate\``).toBe(text);
    }
  });

  it('the Keycloak realm has one audience scope per server mapping both its URLs', () => {
    const scopes = buildRealm().clientScopes ?? [];
    for (const s of SERVERS) {
      const scope = scopes.find((c) => c.name === s.name);
      expect(scope, s.name).toBeDefined();
      const mapped = (scope?.protocolMappers ?? []).map((m: ProtocolMapperRepresentation) => m.config?.['included.custom.audience']).filter((x: unknown) => x !== undefined);
      expect(mapped).toEqual(audiences(s));
    }
  });

  it('the dev IdP issues tokens for every server and the proxy at their registry URLs, and for each worker credential audience', () => {
    expect(SEED_RESOURCE_SERVERS.map((r) => r.name)).toEqual([...SERVERS.map((s) => s.name), REST_PROXY.name, ...WORKERS.filter((w) => w.credentialAudience !== undefined).map((w) => w.name)]);
    for (const w of WORKERS) {
      if (w.credentialAudience !== undefined) expect(SEED_RESOURCE_SERVERS.find((r) => r.name === w.name)).toMatchObject({ url: w.credentialAudience, accessTokenTtlSeconds: w.credentialTtlSeconds });
    }
  });

  it('every server has its service folder and its policy files', () => {
    for (const s of SERVERS) {
      expect(existsSync(repoPath('services', s.name, 'src', 'main.ts')), `services/${s.name}/src/main.ts`).toBe(true);
      for (const f of s.policyFiles) {
        expect(existsSync(repoPath(f)), f).toBe(true);
        // A server's rules test `input.server == "<key>"`; the gateway's rules are their own package.
        if (s.federates === true) expect(readFileSync(repoPath(f), 'utf8'), `${f} is package mcp.${s.key}`).toMatch(new RegExp(`^package mcp\\.${s.key}$`, 'm'));
        else expect(readFileSync(repoPath(f), 'utf8'), `${f} names server "${s.key}"`).toContain(`"${s.key}"`);
      }
      if (s.upstream !== undefined) expect(existsSync(repoPath('packages', 'sandboxes', s.upstream.simulator.entry)), s.upstream.simulator.entry).toBe(true);
    }
  });

  it('grants in policies/mcp/data.json name only registered servers (or "*")', () => {
    const data = JSON.parse(readFileSync(repoPath('policies', 'mcp', 'data.json'), 'utf8')) as { mcp: { grants: Record<string, Record<string, string[]>> } };
    const keys = new Set(['*', ...SERVERS.map((s) => s.key)]);
    for (const [group, byServer] of Object.entries(data.mcp.grants)) {
      for (const server of Object.keys(byServer)) expect(keys.has(server), `grants.${group}.${server}`).toBe(true);
    }
  });
});

describe('applyRegions', () => {
  const text = 'a\n  # >>> generated: x (do not edit)\n  old\n  # <<< generated: x\nb\n';

  it('replaces only the lines between the markers and keeps the markers', () => {
    expect(applyRegions(text, { x: ['  new', '  lines'] })).toBe('a\n  # >>> generated: x (do not edit)\n  new\n  lines\n  # <<< generated: x\nb\n');
  });

  it('refuses missing, unknown, doubled, unclosed and stray markers instead of writing half a file', () => {
    expect(() => applyRegions(text, { x: [], y: [] })).toThrow(/no markers for region\(s\) y/);
    expect(() => applyRegions(text, {})).toThrow(RegionMarkerError);
    expect(() => applyRegions(`${text}${text}`, { x: [] })).toThrow(/appears twice/);
    expect(() => applyRegions('# >>> generated: x\nold\n', { x: [] })).toThrow(/not closed/);
    expect(() => applyRegions('# <<< generated: x\n', { x: [] })).toThrow(/closes no open region/);
    expect(() => applyRegions('# >>> generated: constructor\n# <<< generated: constructor\n', { x: [] })).toThrow(/not a generated region/);
  });
});
