import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { environmentOf, readCompose, repoPath } from './repo.ts';

const compose = readCompose();
const init = compose.services['vault-init']!;
const initEnv = environmentOf(init);
const approleServices = initEnv['MCP_SERVICES']!.split(',');
const policyDir = repoPath('deploy', 'vault', 'policies');

/** The Vault paths a policy grants, with their capabilities. */
function grants(hcl: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of hcl.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g)) {
    out[m[1]!] = m[2]!.split(',').map((c) => c.trim().replace(/"/g, '')).filter((c) => c !== '');
  }
  return out;
}

/** The secret names a service reads: the defaults of its `*_SECRET_NAME` variables. */
async function secretNamesOf(service: string): Promise<string[] | undefined> {
  const file = repoPath('services', service, 'src', 'config.ts');
  if (!existsSync(file)) return undefined;
  const { configSchema } = (await import(pathToFileURL(file).href)) as { configSchema: z.ZodType };
  const parsed = configSchema.parse({}) as Record<string, unknown>;
  return Object.entries(parsed).filter(([k]) => k.endsWith('_SECRET_NAME')).map(([, v]) => String(v));
}

describe('deploy/vault', () => {
  it('has one policy per AppRole service, each reading only secret/data/mcp/<its upstreams>', async () => {
    expect(readdirSync(policyDir).sort()).toEqual(approleServices.map((s) => `${s}.hcl`).sort());
    for (const svc of approleServices) {
      const g = grants(readFileSync(join(policyDir, `${svc}.hcl`), 'utf8'));
      expect(Object.keys(g).length, svc).toBeGreaterThan(0);
      for (const [path, caps] of Object.entries(g)) {
        expect(path, svc).toMatch(/^secret\/data\/mcp\/[a-z0-9-]+$/);
        expect(caps, `${svc} ${path}`).toEqual(['read']);
      }
      const names = await secretNamesOf(svc);
      if (names !== undefined) expect(Object.keys(g).sort(), `${svc} reads ${names.join(',')}`).toEqual(names.map((n) => `secret/data/mcp/${n}`).sort());
    }
  });

  it('every service that logs in with AppRole gets its own role_id/secret_id files', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const env = environmentOf(svc);
      if (env['VAULT_AUTH_METHOD'] !== 'approle') continue;
      expect(approleServices, name).toContain(name);
      expect(env['VAULT_ROLE_ID_FILE']).toBe(`/approle/${name}/role_id`);
      expect(env['VAULT_SECRET_ID_FILE']).toBe(`/approle/${name}/secret_id`);
      // Its own volume only: no service can read another's secret_id.
      const approleMounts = (svc.volumes ?? []).map(String).filter((v) => v.startsWith('approle-'));
      expect(approleMounts, name).toEqual([`approle-${name}:/approle/${name}:ro`]);
      expect(init.volumes, 'vault-init writes it').toContain(`approle-${name}:/approle/${name}`);
      expect(svc.depends_on, name).toMatchObject({ 'vault-init': { condition: 'service_completed_successfully' } });
    }
  });

  it('init.sh, run against a recording stand-in for the vault CLI, enables KV v2 + AppRole, writes policies, roles, id files and the dev credentials', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-init-'));
    const log = join(dir, 'calls.log');
    // A stand-in `vault` (test double of the CLI only): records each call, answers the reads init.sh makes.
    const fake = join(dir, 'vault');
    writeFileSync(
      fake,
      `#!/bin/sh\necho "$*" >> "${log}"\ncase "$*" in\n  "secrets list -format=json") echo '{"cubbyhole/":{}}' ;;\n  "auth list -format=json") echo '{"token/":{}}' ;;\n  *"-field=role_id"*) echo "role-for-$(echo "$*" | sed 's#.*role/\\([^/]*\\)/role-id#\\1#')" ;;\n  *"-field=secret_id"*) echo "secret-id-x" ;;\nesac\n`,
    );
    chmodSync(fake, 0o755);
    const out = join(dir, 'approle');
    const run = spawnSync('sh', [repoPath('deploy', 'vault', 'init.sh')], {
      env: { PATH: `${dir}:${process.env['PATH'] ?? ''}`, VAULT_ADDR: 'http://vault:8200', VAULT_TOKEN: 'dev-only-root-token', POLICY_DIR: policyDir, APPROLE_OUT: out, MCP_SERVICES: initEnv['MCP_SERVICES']! },
      encoding: 'utf8',
    });
    // chown to uid 1000 happens only as root; as any other user the files stay with that user.
    const calls = existsSync(log) ? readFileSync(log, 'utf8') : '';
    expect(run.status, run.stderr).toBe(0);
    expect(calls).toContain('secrets enable -path=secret -version=2 kv');
    expect(calls).toContain('auth enable approle');
    const first = approleServices[0]!;
    expect(calls).toContain(`policy write ${first} ${policyDir}/${first}.hcl`);
    expect(calls).toMatch(new RegExp(`write auth/approle/role/${first} token_policies=${first} `));
    expect(readFileSync(join(out, first, 'role_id'), 'utf8').trim()).toBe(`role-for-${first}`);
    expect(statSync(join(out, first, 'secret_id')).mode & 0o077).toBe(0);
    for (const svc of approleServices) expect(existsSync(join(out, svc, 'secret_id')), svc).toBe(true);
    for (const path of ['secret/mcp/catalyst-center', 'secret/mcp/servicenow', 'secret/mcp/github']) expect(calls).toContain(`kv put ${path} `);
  });
});
