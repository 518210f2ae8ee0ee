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
import { goBuiltTool } from './binaries.ts';

/** The Prometheus module version the repository is pinned to (Prometheus 3.16.0). */
export const PROMTOOL_VERSION = 'v0.316.0';

const TOOL = goBuiltTool({ name: 'promtool', version: PROMTOOL_VERSION, module: 'github.com/prometheus/prometheus/cmd/promtool', envVar: 'PROMTOOL_BIN' });

/**
 * Where {@link ensurePromtool} installs promtool.
 *
 * @example
 * ```ts
 * cachedPromtoolPath(); // /home/me/.cache/mcp-platform/promtool-v0.316.0/promtool
 * ```
 */
export function cachedPromtoolPath(): string {
  return TOOL.cachedPath();
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
  return TOOL.find();
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
  return TOOL.ensure();
}
