/**
 * Finding (and, when missing, building) the pinned kustomize binary that the
 * deploy checks (`deploy-checks/src/k8s.test.ts`) render `deploy/k8s` with.
 *
 * Lookup order: `$KUSTOMIZE_BIN`, the platform cache
 * (`~/.cache/mcp-platform/kustomize-<version>/kustomize`), then `kustomize` on `PATH`.
 * Installing builds it with `go install` through the Go module proxy (kustomize
 * publishes no checksummed binary on a registry this project reaches).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheDir, findBinary, goInstall, onPath } from './binaries.ts';

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
  return join(cacheDir('kustomize', KUSTOMIZE_VERSION), 'kustomize');
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
  return findBinary({ envVar: 'KUSTOMIZE_BIN', cached: cachedKustomizePath(), command: 'kustomize' });
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
  await mkdir(dirname(target), { recursive: true });
  await goInstall(go, `sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}`, 'kustomize', target);
  return target;
}
