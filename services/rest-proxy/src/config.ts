import { authEnv, authzEnv, httpUrl, limitsEnv, loggingEnv, managementEnv, parseConfig, port, positiveInt, profileEnv, withCommonRules, list, type Env } from '@mcp-platform/mcp-common/config';
import { parseDelegationConfig } from '@mcp-platform/mcp-common/client';
import { backendServers, localUrl, REST_PROXY } from '@mcp-platform/registry';
import { z } from 'zod';

/** The local backends: every server of the registry but the gateway, on its `pnpm start` URL, by policy key. */
export const DEFAULT_BACKENDS: Readonly<Record<string, string>> = Object.fromEntries(backendServers().map((s) => [s.key, localUrl(s)]));

const backendMap = z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'backend names are lower-case, [a-z0-9-]'), httpUrl());

/** Everything rest-proxy reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    ...profileEnv,
    ...loggingEnv,
    HOST: z.string().default('127.0.0.1'),
    PORT: port(REST_PROXY.port),
    /** Public base URL of the proxy = its RFC 8707 resource identifier (token `aud`). Default `http://127.0.0.1:<PORT>`. */
    PUBLIC_URL: httpUrl().optional(),
    MAX_BODY_BYTES: positiveInt(1_048_576),
    SHUTDOWN_GRACE_MS: positiveInt(10_000),
    ...authEnv,
    /** The proxy's own OAuth client at the IdP (RFC 8693 token exchange). */
    PROXY_CLIENT_ID: z.string().default('rest-proxy'),
    PROXY_CLIENT_SECRET: z.string().default('rest-proxy-dev-secret'),
    /** Exchanged tokens are reused until this many seconds before their expiry. */
    TOKEN_EXCHANGE_EARLY_EXPIRY_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
    /** Backends as JSON `{ "<name>": "<MCP endpoint URL>" }`; wins over PROXY_BACKENDS_FILE. */
    PROXY_BACKENDS: z.string().optional(),
    /** Path of a JSON file with the same shape as PROXY_BACKENDS. */
    PROXY_BACKENDS_FILE: z.string().optional(),
    /** Timeout of one call to a backend, in ms. */
    BACKEND_TIMEOUT_MS: positiveInt(30_000),
    /** Consecutive transport failures that open a backend's circuit breaker. */
    BACKEND_BREAKER_FAILURES: positiveInt(5),
    /** Time a backend's breaker stays open before one trial call, in ms. */
    BACKEND_BREAKER_HALF_OPEN_MS: positiveInt(30_000),
    /** Timeout of a backend `/readyz` probe, in ms. */
    BACKEND_HEALTH_TIMEOUT_MS: positiveInt(2_000),
    /** How long a caller's tool list (per backend) is reused, in ms; 0 disables. */
    TOOLS_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
    /** Fair share per client identity, the spine's one limiter: RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST, CONCURRENCY_PER_PRINCIPAL, MAX_IN_FLIGHT, REFUSAL_DELAY_MS… */
    ...limitsEnv,
    /** Shared rate-limit counters (replicas); in-memory counters when unset. */
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
    /** Browser origins allowed to call the API cross-origin (CORS), e.g. `https://portal.example.com`. */
    ALLOWED_ORIGINS: list(),
    /** Extra `Host` header values accepted besides loopback and the public URL's host (DNS-rebinding protection). */
    ALLOWED_HOSTS: list(),
    /** JSON `{ "<backend name>": "<scope>" }`: the scope to request in each token exchange (Keycloak: `mcp:tools mcp-network`). */
    TOKEN_EXCHANGE_SCOPES: z.string().optional(),
    /** Where the proxy's own access rule (`data.mcp.proxy.decision`) is evaluated: the same variables as every server. */
    ...authzEnv,
    /** `MANAGEMENT_TOKEN` opens `/metrics` and the `/readyz` detail to non-loopback callers (Prometheus). */
    ...managementEnv,
  }),
).transform((cfg, ctx) => {
  const delegation = parseDelegationConfig(ctx, {
    variable: 'PROXY_BACKENDS',
    fileVariable: 'PROXY_BACKENDS_FILE',
    json: cfg.PROXY_BACKENDS,
    file: cfg.PROXY_BACKENDS_FILE,
    scopes: cfg.TOKEN_EXCHANGE_SCOPES,
    defaults: DEFAULT_BACKENDS,
    schema: backendMap,
  });
  if (delegation === undefined) return z.NEVER;
  const publicUrl = (cfg.PUBLIC_URL ?? `http://${cfg.HOST.includes(':') ? `[${cfg.HOST}]` : cfg.HOST}:${cfg.PORT}`).replace(/\/$/, '');
  return { ...cfg, publicUrl, ...delegation };
});

export type ProxyConfig = z.output<typeof configSchema>;

/**
 * Parses and validates the configuration; throws a `ConfigError` naming each bad variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Env): ProxyConfig {
  return parseConfig('rest-proxy', configSchema, env);
}
