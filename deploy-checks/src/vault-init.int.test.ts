// deploy/vault/init.sh run for real, with compose's vault-init environment, against a real
// OpenBao (`bao server -dev`; the `vault` CLI it calls is OpenBao's `bao`, same commands).
// Then every service logs in with the AppRole files it wrote and reads exactly its own paths.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOpenBao, startDevOpenBao, type DevOpenBao } from '@mcp-platform/tooling/openbao';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentOf, readCompose, repoPath } from './repo.ts';

const initEnv = environmentOf(readCompose().services['vault-init']!);
const services = initEnv['MCP_SERVICES']!.split(',');
const ALL_PATHS = ['mcp/catalyst-center', 'mcp/servicenow', 'mcp/github'];

let bao: DevOpenBao;
let dir: string;

/** The paths a service's policy grants (`secret/data/<path>`), from its committed HCL. */
function granted(svc: string): string[] {
  const hcl = readFileSync(repoPath('deploy', 'vault', 'policies', `${svc}.hcl`), 'utf8');
  return [...hcl.matchAll(/path\s+"secret\/data\/([^"]+)"/g)].map((m) => m[1]!);
}

beforeAll(async () => {
  bao = await startDevOpenBao();
  dir = mkdtempSync(join(tmpdir(), 'vault-init-real-'));
  symlinkSync(findOpenBao()!, join(dir, 'vault'));
});

afterAll(async () => {
  await bao?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('deploy/vault/init.sh on a real OpenBao', () => {
  it('provisions KV v2, one policy + AppRole per service, id files readable by the owner only, and is idempotent', () => {
    const out = join(dir, 'approle');
    const env = { PATH: `${dir}:${process.env['PATH'] ?? ''}`, HOME: dir, VAULT_ADDR: bao.url, VAULT_TOKEN: bao.rootToken, POLICY_DIR: repoPath('deploy', 'vault', 'policies'), APPROLE_OUT: out, MCP_SERVICES: initEnv['MCP_SERVICES']! };
    for (let run = 0; run < 2; run++) {
      const result = spawnSync('sh', [repoPath('deploy', 'vault', 'init.sh')], { env, encoding: 'utf8' });
      // Also as a non-root user: chown to uid 1000 (the images' node user) happens only as root.
      expect(result.status, `run ${String(run + 1)}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('vault-init: done');
    }
    for (const svc of services) {
      expect(statSync(join(out, svc, 'secret_id')).mode & 0o077, svc).toBe(0);
      expect(readFileSync(join(out, svc, 'role_id'), 'utf8').trim(), svc).toMatch(/^[0-9a-f-]{36}$/);
    }
  }, 300_000); // two runs of ~25 CLI calls, each a fresh 180 MB process

  it.each(services)('%s logs in with its AppRole files and reads only its own upstream credentials', async (svc) => {
    const out = join(dir, 'approle', svc);
    const login = await fetch(`${bao.url}/v1/auth/approle/login`, {
      method: 'POST',
      body: JSON.stringify({ role_id: readFileSync(join(out, 'role_id'), 'utf8').trim(), secret_id: readFileSync(join(out, 'secret_id'), 'utf8').trim() }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { auth: { client_token: string; policies: string[] } }).auth;
    expect(token.policies).toContain(svc);
    const mine = granted(svc);
    expect(mine.length).toBeGreaterThan(0);
    for (const path of ALL_PATHS) {
      const res = await fetch(`${bao.url}/v1/secret/data/${path}`, { headers: { 'X-Vault-Token': token.client_token } });
      expect(res.status, `${svc} reading ${path}`).toBe(mine.includes(path) ? 200 : 403);
    }
  });
});
