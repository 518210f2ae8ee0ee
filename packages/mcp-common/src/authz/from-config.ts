import { WASM_PATH } from '@mcp-platform/policies';
import type { CommonServerConfig } from '../config/common.ts';
import type { AuditLogger, Logger } from '../logging/types.ts';
import { withAudit } from './audit.ts';
import { withDecisionCache } from './cache.ts';
import { createOpaAuthorizer } from './opa.ts';
import type { Authorizer } from './types.ts';
import { createWasmAuthorizer } from './wasm.ts';

/** The repository's committed Wasm build (`policies/dist/authz.wasm`, with `data.json` beside it). */
export const DEFAULT_WASM_PATH: string = WASM_PATH;

/** The `AUTHZ_*` / `OPA_*` variables every service parses (`authzEnv`). */
export type AuthorizerConfig = Pick<CommonServerConfig, 'AUTHZ_MODE' | 'OPA_URL' | 'OPA_TIMEOUT_MS' | 'AUTHZ_CACHE_TTL_MS' | 'OPA_WASM_PATH'>;

/** Options of {@link createAuthorizerFromConfig}. */
export interface AuthorizerChainOptions {
  /** Receives one audit event per decision of {@link AuthorizerChain.call}. */
  audit: AuditLogger;
  /** Receives engine faults. */
  logger?: Logger;
  /** The policy rule to evaluate. Default `mcp/authz/decision` (the REST proxy's own rule is `mcp/proxy/decision`). */
  entrypoint?: string;
}

/** One engine, shared by an audited and a non-audited view. */
export interface AuthorizerChain {
  /** Engine → decision cache → audit (outermost, so cached decisions are audited too): for calls. */
  call: Authorizer;
  /** Engine → decision cache, not audited: for what `tools/list` shows. */
  list: Authorizer;
  /** Closes the engine (and the cache). */
  close(): Promise<void>;
}

/**
 * The one way to build authorization: OPA server (`AUTHZ_MODE=opa`) or the
 * compiled policy in-process (`wasm`), a decision cache when
 * `AUTHZ_CACHE_TTL_MS > 0`, audit on the call path. Used by every MCP server,
 * the REST proxy and the deploy worker.
 *
 * @example
 * ```ts
 * const authz = createAuthorizerFromConfig(config, { audit: logger, logger });
 * await authz.call.decide(input); // audited
 * ```
 */
export function createAuthorizerFromConfig(config: AuthorizerConfig, options: AuthorizerChainOptions): AuthorizerChain {
  const { logger, entrypoint } = options;
  let engine: Authorizer;
  if (config.AUTHZ_MODE === 'opa') {
    engine = createOpaAuthorizer({ url: config.OPA_URL, timeoutMs: config.OPA_TIMEOUT_MS, ...(entrypoint ? { path: entrypoint } : {}), ...(logger ? { logger } : {}) });
  } else if (config.AUTHZ_MODE === 'wasm') {
    engine = createWasmAuthorizer({ wasm: config.OPA_WASM_PATH ?? DEFAULT_WASM_PATH, ...(entrypoint ? { entrypoint } : {}), ...(logger ? { logger } : {}) });
  } else {
    throw new TypeError(`AUTHZ_MODE must be opa or wasm, got ${String(config.AUTHZ_MODE)}`);
  }
  const list = config.AUTHZ_CACHE_TTL_MS > 0 ? withDecisionCache(engine, { ttlMs: config.AUTHZ_CACHE_TTL_MS }) : engine;
  return { call: withAudit(list, options.audit), list, close: () => list.close() };
}
