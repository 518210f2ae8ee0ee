/**
 * Finding (and, when missing, installing) the pinned schemathesis CLI — the
 * OpenAPI fuzzer the REST proxy's tests run — in a cached virtualenv at
 * `~/.cache/mcp-platform/schemathesis-<version>/` (PyPI through pip).
 *
 * Lookup order: `$SCHEMATHESIS_BIN`, then the cached venv's `st`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { cacheDir, fromEnv, isExecutable } from './binaries.ts';

/** Written last by {@link ensureSchemathesis}: a venv without it is a half-done install. */
const COMPLETE_MARKER = '.mcp-platform-complete';

/** The schemathesis release the tests are pinned to. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * The venv {@link ensureSchemathesis} installs into: `~/.cache/mcp-platform/schemathesis-<version>`.
 *
 * @example
 * ```ts
 * console.log(cachedSchemathesisDir()); // /home/me/.cache/mcp-platform/schemathesis-4.32.5
 * ```
 */
export function cachedSchemathesisDir(): string {
  return cacheDir('schemathesis', SCHEMATHESIS_VERSION);
}

/**
 * The path of the `st` CLI, or `undefined` when it is not installed.
 *
 * @example
 * ```ts
 * const st = findSchemathesis();
 * if (st === undefined) throw new Error('run pnpm tools ensure');
 * ```
 */
export function findSchemathesis(): string | undefined {
  const set = fromEnv('SCHEMATHESIS_BIN');
  if (set !== undefined) return set;
  const cached = join(cachedSchemathesisDir(), 'bin', 'st');
  return isExecutable(cached) && existsSync(join(cachedSchemathesisDir(), COMPLETE_MARKER)) ? cached : undefined;
}

function python(): string | undefined {
  for (const name of ['python3', 'python']) {
    for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
      if (dir !== '' && isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/**
 * The path of the `st` CLI, installing {@link SCHEMATHESIS_VERSION} from PyPI
 * into the cached venv first when it is not there. The venv is built in place
 * (its scripts' shebangs name their directory) and marked complete last, so a
 * half-done install is never used: it is removed and rebuilt.
 *
 * @throws Error naming the step that failed (no Python, venv, pip).
 * @example
 * ```ts
 * const st = await ensureSchemathesis();
 * spawnSync(st, ['--version'], { stdio: 'inherit' });
 * ```
 */
export async function ensureSchemathesis(): Promise<string> {
  const found = findSchemathesis();
  if (found !== undefined) return found;
  const py = python();
  if (py === undefined) throw new Error('schemathesis needs Python 3.9+ (python3 on PATH) to be installed into a venv');
  const target = cachedSchemathesisDir();
  await rm(target, { recursive: true, force: true });
  try {
    const venv = spawnSync(py, ['-m', 'venv', target], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (venv.status !== 0) throw new Error(`${py} -m venv ${target} failed (exit ${String(venv.status)}); on Debian: apt-get install python3-venv`);
    const pip = spawnSync(join(target, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (pip.status !== 0) throw new Error(`pip install schemathesis==${SCHEMATHESIS_VERSION} from PyPI failed (exit ${String(pip.status)})`);
    await writeFile(join(target, COMPLETE_MARKER), `${SCHEMATHESIS_VERSION}\n`);
  } catch (err) {
    await rm(target, { recursive: true, force: true });
    throw err;
  }
  const st = findSchemathesis();
  if (st === undefined) throw new Error(`schemathesis installed but ${join(target, 'bin', 'st')} is missing`);
  return st;
}
