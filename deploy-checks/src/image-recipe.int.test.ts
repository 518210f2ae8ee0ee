import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from './repo.ts';

/**
 * The image recipe's core without a Docker engine: the Dockerfile's production
 * install (`pnpm --filter ./<service> --prod deploy --legacy <dir>`) for
 * mcp-network, then the runtime stage's command (`node --import <tsx loader>
 * src/main.ts`) with the loader from outside the deployed tree, as /opt/tsx is.
 */
const SERVICE = 'services/mcp-network';
const catalog = (parse(readFileSync(repoPath('pnpm-workspace.yaml'), 'utf8')) as { catalog: Record<string, string> }).catalog;
const loader = repoPath('node_modules', '.pnpm', `tsx@${String(catalog['tsx'])}`, 'node_modules', 'tsx', 'dist', 'loader.mjs');

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
  out = join(mkdtempSync(join(tmpdir(), 'image-recipe-')), 'app');
  const deploy = spawnSync('pnpm', ['--filter', `./${SERVICE}`, '--prod', 'deploy', '--legacy', out], { cwd: repoPath(), encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  if (deploy.status !== 0) throw new Error(`pnpm deploy failed: ${deploy.stderr}`);
  port = await freePort();
}, 180_000);
afterAll(() => {
  proc?.kill();
  rmSync(join(out, '..'), { recursive: true, force: true });
});

describe(`docker/service.Dockerfile recipe for ${SERVICE}`, () => {
  it('the production install has the service and its runtime dependencies, and not tsx (a devDependency)', () => {
    expect(existsSync(join(out, 'src', 'main.ts'))).toBe(true);
    expect(existsSync(join(out, 'node_modules', '@mcp-platform', 'mcp-common', 'package.json'))).toBe(true);
    expect(existsSync(join(out, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(out, 'node_modules', 'vitest'))).toBe(false);
  });

  it('starts with the separately installed tsx loader and answers /healthz', async () => {
    expect(existsSync(loader)).toBe(true);
    proc = spawn(process.execPath, ['--import', loader, 'src/main.ts'], {
      cwd: out,
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', PORT: String(port), AUTHZ_MODE: 'opa' },
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
  });
});
