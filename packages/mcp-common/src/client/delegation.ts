import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { backendScopeFor, createTokenExchanger, type TokenExchanger } from '../auth/index.ts';
import type { Logger } from '../logging/index.ts';
import type { UpstreamObserver } from '../resilience/index.ts';
import { backendResources, createBackendPool, type BackendInterceptor, type BackendPool, type BackendTarget } from './backend-pool.ts';

/** Where {@link parseDelegationConfig} reads a delegating service's backends and exchange scopes from. */
export interface DelegationSource<B extends string | BackendTarget> {
  /** The JSON variable, e.g. `GATEWAY_BACKENDS`; wins over the file. */
  variable: string;
  /** The file variable, e.g. `GATEWAY_BACKENDS_FILE` (a JSON file of the same shape). */
  fileVariable: string;
  /** The variables' raw values and `TOKEN_EXCHANGE_SCOPES`. */
  json: string | undefined;
  file: string | undefined;
  scopes: string | undefined;
  /** The backends when neither variable is set (the registry's local servers). */
  defaults: Readonly<Record<string, B>>;
  /** The service's rules for its backend map (names, URL or replica-set form). */
  schema: z.ZodType<Record<string, B>>;
}

/**
 * The one parser of a delegating service's backends (REST proxy, MCP gateway), for a config schema's
 * `.transform`: the backend map from `<variable>` (JSON) or `<fileVariable>` (a JSON file), checked
 * by `schema`, and `TOKEN_EXCHANGE_SCOPES` (`{ "<backend>": "<scope>" }`, only known backends).
 * Problems become issues on `ctx` naming the variable; the result is then `undefined`.
 *
 * @example
 * ```ts
 * .transform((cfg, ctx) => {
 *   const delegation = parseDelegationConfig(ctx, { variable: 'PROXY_BACKENDS', fileVariable: 'PROXY_BACKENDS_FILE', json: cfg.PROXY_BACKENDS, file: cfg.PROXY_BACKENDS_FILE, scopes: cfg.TOKEN_EXCHANGE_SCOPES, defaults, schema });
 *   return delegation === undefined ? z.NEVER : { ...cfg, ...delegation };
 * })
 * ```
 */
export function parseDelegationConfig<B extends string | BackendTarget>(
  ctx: z.RefinementCtx,
  source: DelegationSource<B>,
): { backends: Record<string, B>; exchangeScopes: Record<string, string> } | undefined {
  let raw: unknown = { ...source.defaults };
  let variable = source.variable;
  try {
    if (source.json !== undefined) raw = JSON.parse(source.json);
    else if (source.file !== undefined) {
      variable = source.fileVariable;
      raw = JSON.parse(readFileSync(source.file, 'utf8'));
    }
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: [variable], message: `is not readable JSON (${(err as Error).message})` });
    return undefined;
  }
  const parsed = source.schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [variable], message: `${issue.path.join('.')}${issue.path.length ? ': ' : ''}${issue.message}` });
    return undefined;
  }
  let exchangeScopes: Record<string, string> = {};
  if (source.scopes !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(source.scopes);
    } catch {
      value = undefined;
    }
    const scopes = z.record(z.string(), z.string().min(1)).safeParse(value);
    const unknown = scopes.success ? Object.keys(scopes.data).filter((name) => !(name in parsed.data)) : [];
    if (!scopes.success || unknown.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_EXCHANGE_SCOPES'], message: scopes.success ? `names unknown backend(s): ${unknown.join(', ')}` : 'must be JSON {"<backend>": "<scope>"}' });
      return undefined;
    }
    exchangeScopes = scopes.data;
  }
  return { backends: parsed.data, exchangeScopes };
}

/** What {@link delegationFromConfig} builds a delegating service's clients from. */
export interface DelegationConfig {
  /** The IdP that exchanges the callers' tokens (RFC 8693). */
  issuer: string;
  /** The service's own confidential client at the IdP. */
  clientId: string;
  clientSecret: string;
  /** Exchanged tokens are reused until this many seconds before their expiry. */
  earlyExpirySeconds: number;
  /** The backends, as {@link parseDelegationConfig} returns them. */
  backends: Readonly<Record<string, string | BackendTarget>>;
  /** The scope to request in each backend's exchange, by backend name. */
  exchangeScopes: Readonly<Record<string, string>>;
  /** Timeout of one backend call, in ms. */
  timeoutMs: number;
  /** Consecutive transport failures that open a backend's breaker. */
  breakerFailures: number;
  /** Time a breaker stays open before one trial call, in ms. */
  breakerHalfOpenMs: number;
  /** Timeout of one `/readyz` probe, in ms. */
  healthTimeoutMs: number;
}

/** Who is delegating, and where its logs and metrics go. */
export interface DelegationDeps {
  /** Reported to the MCP servers as `clientInfo`. */
  service: { name: string; version: string };
  logger: Logger;
  /** Receives each backend call's duration and breaker state. */
  observer?: UpstreamObserver;
  /** undici interceptors every MCP request to a backend passes through (tests record what reaches the backends). */
  interceptors?: readonly BackendInterceptor[];
}

/**
 * The one way a delegating service (the REST proxy, the MCP gateway) builds what it calls the MCP
 * servers with: the RFC 8693 token exchanger (the scope for each backend's audience from
 * `exchangeScopes`) and the MCP client pool over the backends (breakers, health, replicas).
 *
 * @example
 * ```ts
 * const { exchanger, pool } = delegationFromConfig(
 *   { issuer: config.OIDC_ISSUER, clientId: config.PROXY_CLIENT_ID, clientSecret: config.PROXY_CLIENT_SECRET, … },
 *   { service: SERVICE, logger, observer: metrics.upstream },
 * );
 * ```
 */
export function delegationFromConfig(config: DelegationConfig, deps: DelegationDeps): { exchanger: TokenExchanger; pool: BackendPool } {
  const exchanger = createTokenExchanger({
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    earlyExpirySeconds: config.earlyExpirySeconds,
    scopeFor: backendScopeFor(backendResources(config.backends), config.exchangeScopes),
    logger: deps.logger,
  });
  const pool = createBackendPool({
    backends: config.backends,
    timeoutMs: config.timeoutMs,
    breakerFailures: config.breakerFailures,
    breakerHalfOpenMs: config.breakerHalfOpenMs,
    healthTimeoutMs: config.healthTimeoutMs,
    clientName: deps.service.name,
    version: deps.service.version,
    logger: deps.logger,
    ...(deps.observer ? { observer: deps.observer } : {}),
    ...(deps.interceptors ? { interceptors: deps.interceptors } : {}),
  });
  return { exchanger, pool };
}
