/**
 * Finding (and, when missing, building) the pinned `promtool` that checks and unit-tests
 * the Prometheus alert rules (`deploy-checks/src/prometheus.test.ts`).
 *
 * Lookup order: `$PROMTOOL_BIN`, the platform cache
 * (`~/.cache/mcp-platform/promtool-<version>/promtool`), then `promtool` on `PATH`.
 * Installing builds it with `go install` through the Go module proxy (Prometheus
 * publishes no binary on a registry this project reaches). Module versions `v0.3xx.y`
 * are Prometheus 3.xx.y.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheDir, findBinary, goInstall, onPath } from './binaries.ts';

/** The Prometheus module version the repository is pinned to (Prometheus 3.16.0). */
export const PROMTOOL_VERSION = 'v0.316.0';

/**
 * Where {@link ensurePromtool} installs promtool.
 *
 * @example
 * ```ts
 * cachedPromtoolPath(); // /home/me/.cache/mcp-platform/promtool-v0.316.0/promtool
 * ```
 */
export function cachedPromtoolPath(): string {
  return join(cacheDir('promtool', PROMTOOL_VERSION), 'promtool');
}

/**
 * The path of a usable promtool, or `undefined` when none is installed.
 *
 * @example
 * ```ts
 * const promtool = findPromtool() ?? 'run pnpm tools ensure';
 * ```
 */
export function findPromtool(): string | undefined {
  return findBinary({ envVar: 'PROMTOOL_BIN', cached: cachedPromtoolPath(), command: 'promtool' });
}

/**
 * The path of a usable promtool, building {@link PROMTOOL_VERSION} into the cache with
 * `go install` when none is found (several minutes on two cores). Idempotent; the binary
 * appears at its final path atomically.
 *
 * @throws Error naming what was tried when Go is missing or the build fails.
 * @example
 * ```ts
 * spawnSync(await ensurePromtool(), ['check', 'rules', 'deploy/prometheus/alerts.yml'], { stdio: 'inherit' });
 * ```
 */
export async function ensurePromtool(): Promise<string> {
  const found = findPromtool();
  if (found !== undefined) return found;
  const go = onPath('go');
  if (go === undefined) throw new Error(`promtool ${PROMTOOL_VERSION} not found and no \`go\` on PATH to build it; set PROMTOOL_BIN`);
  const target = cachedPromtoolPath();
  await mkdir(dirname(target), { recursive: true });
  await goInstall(go, `github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_VERSION}`, 'promtool', target);
  return target;
}
