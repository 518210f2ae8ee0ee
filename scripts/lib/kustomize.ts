/**
 * Finding (and, when missing, building) the pinned kustomize binary that the
 * deploy checks (`deploy-checks/src/k8s.test.ts`) render `deploy/k8s` with.
 *
 * Lookup order: `$KUSTOMIZE_BIN`, the platform cache
 * (`~/.cache/mcp-platform/kustomize-<version>/kustomize`), then `kustomize` on `PATH`.
 * Installing builds it with `go install` through the Go module proxy (kustomize
 * publishes no checksummed binary on a registry this project reaches).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The kustomize release the repository is pinned to (v5.8.x needs Go ≥ 1.27). */
export const KUSTOMIZE_VERSION = 'v5.7.1';

/**
 * Where {@link ensureKustomize} installs kustomize.
 *
 * @example
 * ```ts
 * cachedKustomizePath(); // /home/me/.cache/mcp-platform/kustomize-v5.7.1/kustomize
 * ```
 */
export function cachedKustomizePath(): string {
  return join(homedir(), '.cache', 'mcp-platform', `kustomize-${KUSTOMIZE_VERSION}`, 'kustomize');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/**
 * The path of a usable kustomize binary, or `undefined` when none is installed.
 *
 * @example
 * ```ts
 * const kustomize = findKustomize() ?? 'run pnpm tools ensure';
 * ```
 */
export function findKustomize(): string | undefined {
  const fromEnv = process.env['KUSTOMIZE_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`KUSTOMIZE_BIN=${fromEnv} is not an executable file`);
  }
  const cached = cachedKustomizePath();
  if (isExecutable(cached)) return cached;
  return onPath('kustomize');
}

/**
 * The path of a usable kustomize, building {@link KUSTOMIZE_VERSION} into the
 * cache with `go install` when none is found. Idempotent; the binary appears at
 * its final path atomically.
 *
 * @throws Error naming what was tried when Go is missing or the build fails.
 * @example
 * ```ts
 * const kustomize = await ensureKustomize();
 * spawnSync(kustomize, ['build', 'deploy/k8s/overlays/production'], { stdio: 'inherit' });
 * ```
 */
export async function ensureKustomize(): Promise<string> {
  const found = findKustomize();
  if (found !== undefined) return found;
  const go = onPath('go');
  if (go === undefined) throw new Error(`kustomize ${KUSTOMIZE_VERSION} not found and no \`go\` on PATH to build it; set KUSTOMIZE_BIN`);
  const target = cachedKustomizePath();
  const gobin = join(dirname(target), `.gobin-${process.pid}`);
  await mkdir(gobin, { recursive: true });
  try {
    const result = spawnSync(go, ['install', `sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}`], {
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: gobin },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`go install sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION} failed (exit ${String(result.status)})`);
    await rename(join(gobin, 'kustomize'), target);
    return target;
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}
