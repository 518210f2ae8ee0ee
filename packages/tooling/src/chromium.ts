/**
 * Finding (and, when missing, installing) Debian's `chromium` — the headless
 * browser `playwright-core` drives in the REST proxy's docs-page test.
 *
 * Lookup order: `$CHROMIUM_BIN`, then `chromium` / `chromium-browser` on `PATH`.
 */
import { aptInstall, findOnPath } from './redis.ts';
import { fromEnv } from './binaries.ts';

/** Flags for a quiet, sandbox-less headless Chromium in CI containers. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/**
 * The path of a Chromium binary, or `undefined` when none is installed.
 *
 * @example
 * ```ts
 * const browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS] });
 * ```
 */
export function findChromium(): string | undefined {
  return fromEnv('CHROMIUM_BIN') ?? findOnPath('chromium') ?? findOnPath('chromium-browser');
}

/**
 * The path of Chromium, installing Debian's `chromium` package first when missing.
 *
 * @throws Error telling what to install when not root or not on Debian.
 * @example
 * ```ts
 * const executablePath = ensureChromium();
 * ```
 */
export function ensureChromium(): string {
  const found = findChromium();
  if (found !== undefined) return found;
  aptInstall(['chromium'], 'the REST proxy docs-page test');
  const installed = findChromium();
  if (installed === undefined) throw new Error('chromium was installed but is not on PATH');
  return installed;
}
