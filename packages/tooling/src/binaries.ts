/**
 * Finding and caching the pinned binaries the platform starts (OPA, Temporal, kustomize,
 * redis-server, Chromium, schemathesis): one lookup order for all of them —
 * `$<NAME>_BIN`, the platform cache `~/.cache/mcp-platform/<name>-<version>/`, then `PATH`.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** True when `file` exists and may be executed. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `command` in a `PATH` directory (then in `extraDirs`), or `undefined`.
 *
 * @example
 * ```ts
 * const go = onPath('go');
 * ```
 */
export function onPath(command: string, extraDirs: readonly string[] = []): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs]) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The platform cache folder of one pinned tool: `~/.cache/mcp-platform/<name>-<version>`.
 *
 * @example
 * ```ts
 * cacheDir('opa', 'v1.22.2'); // /home/me/.cache/mcp-platform/opa-v1.22.2
 * ```
 */
export function cacheDir(name: string, version: string): string {
  return join(homedir(), '.cache', 'mcp-platform', `${name}-${version}`);
}

/**
 * The binary named by the environment variable `variable`, `undefined` when it is unset.
 *
 * @throws Error when the variable is set but names no executable file.
 */
export function fromEnv(variable: string): string | undefined {
  const value = process.env[variable];
  if (value === undefined || value === '') return undefined;
  if (isExecutable(value)) return value;
  throw new Error(`${variable}=${value} is not an executable file`);
}

/**
 * The lookup every tool uses: `$envVar`, then `cached` (when given and executable), then `command` on `PATH`.
 *
 * @example
 * ```ts
 * findBinary({ envVar: 'OPA_BIN', cached: join(cacheDir('opa', OPA_VERSION), 'opa'), command: 'opa' });
 * ```
 */
export function findBinary(options: { envVar: string; cached?: string; command?: string; extraDirs?: readonly string[] }): string | undefined {
  const set = fromEnv(options.envVar);
  if (set !== undefined) return set;
  if (options.cached !== undefined && isExecutable(options.cached)) return options.cached;
  return options.command === undefined ? undefined : onPath(options.command, options.extraDirs);
}

/**
 * Builds `module@version` with `go install` (static, `CGO_ENABLED=0`) and moves the binary
 * `binary` to `target` atomically; the temporary GOBIN is always removed.
 *
 * @throws Error when the build fails.
 * @example
 * ```ts
 * await goInstall(go, 'github.com/open-policy-agent/opa@v1.22.2', 'opa', target);
 * ```
 */
export async function goInstall(go: string, moduleAtVersion: string, binary: string, target: string): Promise<void> {
  const gobin = join(dirname(target), `.gobin-${process.pid}`);
  await mkdir(gobin, { recursive: true });
  try {
    const result = spawnSync(go, ['install', moduleAtVersion], {
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: gobin },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`go install ${moduleAtVersion} failed (exit ${String(result.status)})`);
    await rename(join(gobin, binary), target);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}
