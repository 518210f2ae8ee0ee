import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from './repo.ts';

const dockerfile = readFileSync(repoPath('docker', 'service.Dockerfile'), 'utf8');
/** Instructions, with line continuations joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages = instructions.filter((l) => /^FROM /i.test(l));
const runtime = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]!));

describe('docker/service.Dockerfile', () => {
  it('is multi-stage and installs only production dependencies of the one service (docker/assemble.sh: frozen lockfile, --prod)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = instructions.join('\n');
    expect(build).toMatch(/sh docker\/assemble\.sh "\$\{SERVICE\}" \/out/);
    const assemble = readFileSync(repoPath('docker', 'assemble.sh'), 'utf8');
    expect(assemble).toMatch(/pnpm install --frozen-lockfile --prod --filter-prod/);
    // The runtime stage copies the assembled service, never the build stage's whole workspace.
    expect(runtime.filter((l) => /^COPY --from=build/.test(l))).toEqual([expect.stringMatching(/ \/out \/app$/)]);
  });

  it('runs as a non-root user with a HEALTHCHECK on /healthz of $PORT', () => {
    const users = runtime.filter((l) => /^USER /.test(l));
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/USER (root|0)\b/);
    const hc = runtime.find((l) => /^HEALTHCHECK /.test(l));
    expect(hc).toMatch(/\/healthz/);
    expect(hc).toMatch(/process\.env\.PORT/);
  });

  it('runs the sources with plain Node (built-in type stripping): no tsx anywhere in the image', () => {
    expect(dockerfile).toContain('ENV NODE_ENV=production');
    expect(instructions.join('\n')).not.toMatch(/tsx/i);
    expect(runtime.find((l) => l.startsWith('CMD '))).toBe('CMD ["sh", "-c", "exec node \\"$ENTRY\\""]');
    expect(runtime).toContain('WORKDIR /app/${SERVICE}');
  });

  it('runs the Node.js of .node-version (24 LTS), like CI', () => {
    const version = readFileSync(repoPath('.node-version'), 'utf8').trim();
    expect(version).toMatch(/^24\.\d+\.\d+$/);
    expect(dockerfile).toContain(`ARG NODE_IMAGE=node:${version}-bookworm-slim`);
  });

  it('pins pnpm to the root package.json packageManager', () => {
    const pm = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { packageManager: string }).packageManager;
    expect(dockerfile).toContain(`ARG PNPM_VERSION=${pm.replace(/^pnpm@/, '')}`);
  });
});

describe('docker/entrypoint.sh (the <NAME>_FILE convention)', () => {
  const run = (env: Record<string, string>) =>
    spawnSync('sh', [repoPath('docker', 'entrypoint.sh'), 'sh', '-c', 'printf "%s|%s" "${VAULT_SECRET_ID:-}" "${VAULT_SECRET_ID_FILE:-unset}"'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
      encoding: 'utf8',
    });

  it('sets NAME from the file NAME_FILE names and unsets NAME_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'entrypoint-'));
    writeFileSync(join(dir, 'secret_id'), 's-123\n');
    const out = run({ VAULT_SECRET_ID_FILE: join(dir, 'secret_id') });
    expect(out.status).toBe(0);
    expect(out.stdout).toBe('s-123|unset');
  });

  it('refuses an unreadable file and both forms at once, without printing a value', () => {
    const missing = run({ VAULT_SECRET_ID_FILE: '/nonexistent/secret_id' });
    expect(missing.status).toBe(66);
    expect(missing.stderr).toMatch(/VAULT_SECRET_ID_FILE/);
    const both = run({ VAULT_SECRET_ID_FILE: '/x', VAULT_SECRET_ID: 'do-not-print' });
    expect(both.status).toBe(64);
    expect(both.stderr).not.toContain('do-not-print');
  });
});
