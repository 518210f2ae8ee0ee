/**
 * Finding (and, when missing, installing) the pinned OPA binary used by the
 * policy tooling, the local run and the integration tests.
 *
 * Lookup order: `$OPA_BIN`, the platform cache
 * (`~/.cache/mcp-platform/opa-<version>/opa`), then `opa` on `PATH`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheDir, findBinary, goInstall, onPath } from './binaries.ts';

/** The OPA release every tool in the repository is pinned to. */
export const OPA_VERSION = 'v1.22.2';

/**
 * Where {@link ensureOpa} installs OPA: `~/.cache/mcp-platform/opa-<version>/opa`.
 *
 * @example
 * ```ts
 * console.log(cachedOpaPath()); // /home/me/.cache/mcp-platform/opa-v1.22.2/opa
 * ```
 */
export function cachedOpaPath(): string {
  return join(cacheDir('opa', OPA_VERSION), 'opa');
}

/**
 * The path of a usable OPA binary, or `undefined` when none is installed.
 * Does not check the version of an `opa` found on `PATH`.
 *
 * @example
 * ```ts
 * const opa = findOpa();
 * if (opa === undefined) throw new Error('run pnpm tools ensure');
 * ```
 */
export function findOpa(): string | undefined {
  return findBinary({ envVar: 'OPA_BIN', cached: cachedOpaPath(), command: 'opa' });
}

/** The official release asset for this machine, or `undefined` if OPA publishes none. */
function releaseAsset(): string | undefined {
  const assets: Record<string, string> = {
    'linux-x64': 'opa_linux_amd64_static',
    'linux-arm64': 'opa_linux_arm64_static',
    'darwin-x64': 'opa_darwin_amd64',
    'darwin-arm64': 'opa_darwin_arm64_static',
  };
  return assets[`${process.platform}-${process.arch}`];
}

async function download(asset: string): Promise<Buffer> {
  const base = `https://openpolicyagent.org/downloads/${OPA_VERSION}/${asset}`;
  const [binary, checksum] = await Promise.all([fetch(base), fetch(`${base}.sha256`)]);
  if (!binary.ok) throw new Error(`GET ${base}: HTTP ${String(binary.status)}`);
  if (!checksum.ok) throw new Error(`GET ${base}.sha256: HTTP ${String(checksum.status)}`);
  const bytes = Buffer.from(await binary.arrayBuffer());
  const expected = (await checksum.text()).trim().split(/\s+/)[0]?.toLowerCase();
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (expected !== actual) throw new Error(`checksum mismatch for ${asset}: expected ${String(expected)}, got ${actual}`);
  return bytes;
}

/**
 * The path of a usable OPA binary, installing {@link OPA_VERSION} into the
 * cache first when {@link findOpa} finds none: built with `go install` when Go
 * is available, otherwise downloaded from openpolicyagent.org (checksum
 * verified). Idempotent; the binary appears at its final path atomically.
 *
 * @throws Error naming what was tried when neither way works.
 * @example
 * ```ts
 * const opa = await ensureOpa();
 * spawnSync(opa, ['version'], { stdio: 'inherit' });
 * ```
 */
export async function ensureOpa(): Promise<string> {
  const found = findOpa();
  if (found !== undefined) return found;

  const target = cachedOpaPath();
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  const failures: string[] = [];

  const go = onPath('go');
  if (go !== undefined) {
    try {
      await goInstall(go, `github.com/open-policy-agent/opa@${OPA_VERSION}`, 'opa', target);
      return target;
    } catch (err) {
      failures.push(`building with Go: ${(err as Error).message}`);
    }
  } else {
    failures.push('building with Go: no `go` on PATH');
  }

  const asset = releaseAsset();
  if (asset !== undefined) {
    const partial = `${target}.${process.pid}.partial`;
    try {
      await writeFile(partial, await download(asset));
      await chmod(partial, 0o755);
      await rename(partial, target);
      return target;
    } catch (err) {
      const cause = (err as Error).cause instanceof Error ? ` (${((err as Error).cause as Error).message})` : '';
      failures.push(`downloading ${asset}: ${(err as Error).message}${cause}`);
    } finally {
      if (existsSync(partial)) await rm(partial, { force: true });
    }
  } else {
    failures.push(`downloading: no official OPA binary for ${process.platform}/${process.arch}`);
  }

  throw new Error(
    `OPA ${OPA_VERSION} not found and could not be installed. Set OPA_BIN to an opa binary, or install one on PATH.\n  - ${failures.join('\n  - ')}`,
  );
}
