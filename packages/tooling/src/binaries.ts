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

/** A tool the repository pins and builds with `go install` when it is missing (see {@link goBuiltTool}). */
export interface GoBuiltTool {
  /** Where `ensure()` installs it: `~/.cache/mcp-platform/<name>-<version>/<name>`. */
  cachedPath(): string;
  /** `$envVar`, then the cache, then `<name>` on `PATH`; `undefined` when none is installed. */
  find(): string | undefined;
  /** The found binary, or the pinned version built into the cache (idempotent, atomic); throws naming `envVar` when there is no Go. */
  ensure(): Promise<string>;
}

/**
 * The find-or-build lookup of a pinned Go tool (kustomize, promtool): one implementation of the cache
 * path, the lookup order and the `go install` fallback.
 *
 * @example
 * ```ts
 * const promtool = goBuiltTool({ name: 'promtool', version: 'v0.316.0', module: 'github.com/prometheus/prometheus/cmd/promtool', envVar: 'PROMTOOL_BIN' });
 * await promtool.ensure();
 * ```
 */
export function goBuiltTool(tool: { name: string; version: string; module: string; envVar: string }): GoBuiltTool {
  const cachedPath = () => join(cacheDir(tool.name, tool.version), tool.name);
  const find = () => findBinary({ envVar: tool.envVar, cached: cachedPath(), command: tool.name });
  return {
    cachedPath,
    find,
    async ensure() {
      const found = find();
      if (found !== undefined) return found;
      const go = onPath('go');
      if (go === undefined) throw new Error(`${tool.name} ${tool.version} not found and no \`go\` on PATH to build it; set ${tool.envVar}`);
      const target = cachedPath();
      await mkdir(dirname(target), { recursive: true });
      await goInstall(go, `${tool.module}@${tool.version}`, tool.name, target);
      return target;
    },
  };
}
