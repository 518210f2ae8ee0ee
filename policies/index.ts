/**
 * `@mcp-platform/policies` — where the Rego bundle and its committed Wasm build live, for the
 * packages that evaluate them (a package face instead of `../../../../policies` paths). Depending on
 * this package also makes turbo re-run a dependent's tests when a `.rego` file or `data.json` changes
 * (its `build` task hashes them).
 *
 * @example
 * ```ts
 * import { POLICY_DIR, WASM_PATH } from '@mcp-platform/policies';
 * createWasmAuthorizer({ wasm: WASM_PATH }); // data.json beside it
 * ```
 * @module
 */
import { fileURLToPath } from 'node:url';

/** The policy bundle root that `opa run --server` loads (`policies/mcp`). */
export const POLICY_DIR: string = fileURLToPath(new URL('./mcp', import.meta.url));

/** The committed Wasm build of `mcp.authz` (`policies/dist/authz.wasm`, with `data.json` beside it). */
export const WASM_PATH: string = fileURLToPath(new URL('./dist/authz.wasm', import.meta.url));
