/**
 * `@mcp-platform/policies` — where the Rego bundle and its committed Wasm build live, for the
 * packages that evaluate them (a package face instead of `../../../../policies` paths). Depending on
 * this package also makes turbo re-run a dependent's tests when a `.rego` file or `data.json` changes
 * (its `build` task hashes them).
 *
 * @example
 * ```ts
 * import { POLICY_BUNDLE, POLICY_DIR, WASM_PATH } from '@mcp-platform/policies';
 * createWasmAuthorizer({ wasm: WASM_PATH }); // data.json beside it
 * await startOpa({ bundle: POLICY_BUNDLE }); // @mcp-platform/test-support: the OPA server as deployed
 * ```
 * @module
 */
import { fileURLToPath } from 'node:url';

/** The policy sources (`policies/mcp`): what `opa test` checks and the build compiles. */
export const POLICY_DIR: string = fileURLToPath(new URL('./mcp', import.meta.url));

/** The committed Wasm build of `mcp.authz` (`policies/dist/authz.wasm`, with `data.json` beside it). */
export const WASM_PATH: string = fileURLToPath(new URL('./dist/authz.wasm', import.meta.url));

/**
 * The bundle every OPA server loads (`policies/dist/opa-bundle.tar.gz`, committed): `opa build -O=2`
 * of `policies/mcp` without the tests, for the entrypoints `mcp/authz/decision`, `mcp/proxy/decision`,
 * `mcp/gateway/decision` and `system/log/mask`. Built by `pnpm --filter @mcp-platform/policies build`.
 */
export const POLICY_BUNDLE: string = fileURLToPath(new URL('./dist/opa-bundle.tar.gz', import.meta.url));
