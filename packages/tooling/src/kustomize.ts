/**
 * Finding (and, when missing, building) the pinned kustomize binary that the
 * deploy checks (`deploy-checks/src/k8s.test.ts`) render `deploy/k8s` with.
 *
 * Lookup order: `$KUSTOMIZE_BIN`, the platform cache
 * (`~/.cache/mcp-platform/kustomize-<version>/kustomize`), then `kustomize` on `PATH`.
 * Installing builds it with `go install` through the Go module proxy (kustomize
 * publishes no checksummed binary on a registry this project reaches).
 */
import { goBuiltTool } from './binaries.ts';

/** The kustomize release the repository is pinned to (v5.8.x needs Go ≥ 1.27). */
export const KUSTOMIZE_VERSION = 'v5.7.1';

const TOOL = goBuiltTool({ name: 'kustomize', version: KUSTOMIZE_VERSION, module: 'sigs.k8s.io/kustomize/kustomize/v5', envVar: 'KUSTOMIZE_BIN' });

/**
 * Where {@link ensureKustomize} installs kustomize.
 *
 * @example
 * ```ts
 * cachedKustomizePath(); // /home/me/.cache/mcp-platform/kustomize-v5.7.1/kustomize
 * ```
 */
export function cachedKustomizePath(): string {
  return TOOL.cachedPath();
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
  return TOOL.find();
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
  return TOOL.ensure();
}
