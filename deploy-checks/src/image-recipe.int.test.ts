import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './repo.ts';

/**
 * The image recipe's core without a Docker engine: the build stage's `sh docker/assemble.sh
 * services/mcp-network /out` run for real on a copy of the repository's files, then the runtime
 * stage's command — plain `node src/main.ts`, no tsx — in the assembled service folder.
 */
const SERVICE = 'services/mcp-network';

let src: string;
let out: string;
let proc: ChildProcess | undefined;
let port: number;
let logs = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

beforeAll(async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'image-recipe-'));
  src = join(tmp, 'repo');
  out = join(tmp, 'app');
  // The build context: the repository's files (tracked and new, not ignored), without node_modules.
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoPath(), encoding: 'utf8' });
  if (files.status !== 0) throw new Error(`git ls-files failed: ${files.stderr}`);
  for (const file of files.stdout.split('\0')) {
    if (file === '' || !existsSync(repoPath(file))) continue;
    mkdirSync(dirname(join(src, file)), { recursive: true });
    cpSync(repoPath(file), join(src, file));
  }
  const assemble = spawnSync('sh', ['docker/assemble.sh', SERVICE, out], { cwd: src, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  if (assemble.status !== 0) throw new Error(`docker/assemble.sh failed: ${assemble.stderr}`);
  port = await freePort();
}, 240_000);
afterAll(() => {
  proc?.kill();
  rmSync(join(out, '..'), { recursive: true, force: true });
});

describe(`docker/service.Dockerfile recipe for ${SERVICE}`, () => {
  it('the assembled service has its workspace packages outside node_modules, the policies, and no tsx, vitest or tests', () => {
    const app = join(out, SERVICE);
    expect(existsSync(join(app, 'src', 'main.ts'))).toBe(true);
    // Linked, not copied into node_modules: Node strips types only outside node_modules.
    expect(realpathSync(join(app, 'node_modules', '@mcp-platform', 'mcp-common'))).toBe(realpathSync(join(out, 'packages', 'mcp-common')));
    expect(existsSync(join(out, 'policies', 'dist', 'authz.wasm'))).toBe(true);
    expect(existsSync(join(out, 'policies', 'policies'))).toBe(false); // copied once
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false);
    expect(readdirSync(join(out, 'node_modules', '.pnpm')).some((d) => /^(tsx|vitest)@/.test(d))).toBe(false);
    expect(existsSync(join(app, 'test'))).toBe(false);
    expect(existsSync(join(out, 'packages', 'sandboxes'))).toBe(false); // a devDependency only
  });

  it('starts with plain Node (type stripping, no loader), evaluates policy from the shipped Wasm and answers /healthz', async () => {
    proc = spawn(process.execPath, ['src/main.ts'], {
      cwd: join(out, SERVICE),
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', PORT: String(port), AUTHZ_MODE: 'wasm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
    let status = 0;
    for (let i = 0; i < 150 && status !== 200; i++) {
      try {
        status = (await fetch(`http://127.0.0.1:${String(port)}/healthz`)).status;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(status, logs).toBe(200);
    expect(logs).toContain('"message":"mcp-network listening"');
    expect(logs).toContain('"authz_mode":"wasm"');
  });
});
