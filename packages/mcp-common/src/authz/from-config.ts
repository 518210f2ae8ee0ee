import { fileURLToPath } from 'node:url';
import type { AuditLogger, Logger } from '../logging/types.ts';
import { withAudit } from './audit.ts';
import { withDecisionCache } from './cache.ts';
import { createOpaAuthorizer } from './opa.ts';
import type { Authorizer } from './types.ts';
import { createWasmAuthorizer } from './wasm.ts';

/** The repository's committed Wasm build (`policies/dist/authz.wasm`, with `data.json` beside it). */
export const DEFAULT_WASM_PATH = fileURLToPath(new URL('../../../../policies/dist/authz.wasm', import.meta.url));

export interface AuthorizerConfig {
  /** `opa`: ask an OPA server; `wasm`: evaluate the compiled policy in-process. */
  mode: 'opa' | 'wasm';
  /** OPA base URL (`OPA_URL`); required for mode `opa`. */
  opaUrl?: string;
  /** Compiled policy (`OPA_WASM_PATH`) for mode `wasm`. Default {@link DEFAULT_WASM_PATH}. */
  wasmPath?: string;
  /** OPA request deadline in milliseconds (`OPA_TIMEOUT_MS`). Default 2000. */
  timeoutMs?: number;
  /** Decision cache TTL in milliseconds (`AUTHZ_CACHE_TTL_MS`); 0 disables it. Default 30000. */
  cacheTtlMs?: number;
  /** Receives one audit event per decision. */
  audit: AuditLogger;
  /** Receives engine faults. */
  logger?: Logger;
}

/**
 * The usual composition: engine (OPA or Wasm) → decision cache → audit
 * (outermost, so cached decisions are audited too).
 *
 * @throws TypeError when mode `opa` has no `opaUrl`.
 * @example
 * ```ts
 * const authorizer = createAuthorizerFromConfig({
 *   mode: config.AUTHZ_MODE, opaUrl: config.OPA_URL, wasmPath: config.OPA_WASM_PATH,
 *   timeoutMs: config.OPA_TIMEOUT_MS, cacheTtlMs: config.AUTHZ_CACHE_TTL_MS, audit: auditLogger, logger,
 * });
 * ```
 */
export function createAuthorizerFromConfig(config: AuthorizerConfig): Authorizer {
  let engine: Authorizer;
  if (config.mode === 'opa') {
    if (config.opaUrl === undefined || config.opaUrl === '') throw new TypeError('opaUrl is required for mode "opa"');
    engine = createOpaAuthorizer({ url: config.opaUrl, timeoutMs: config.timeoutMs ?? 2000, logger: config.logger });
  } else if (config.mode === 'wasm') {
    engine = createWasmAuthorizer({ wasm: config.wasmPath ?? DEFAULT_WASM_PATH, logger: config.logger });
  } else {
    throw new TypeError(`unknown authorizer mode ${String(config.mode)}`);
  }
  const cacheTtlMs = config.cacheTtlMs ?? 30_000;
  const cached = cacheTtlMs > 0 ? withDecisionCache(engine, { ttlMs: cacheTtlMs }) : engine;
  return withAudit(cached, config.audit);
}
