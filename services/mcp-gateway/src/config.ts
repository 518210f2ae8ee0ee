import { authEnv, authzEnv, bool, httpEnv, httpUrl, limitsEnv, loggingEnv, managementEnv, parseConfig, positiveInt, profileEnv, redisEnv, withCommonRules, type Env } from '@mcp-platform/mcp-common/config';
import { parseDelegationConfig } from '@mcp-platform/mcp-common/client';
import { backendServers, localUrl, serverByKey } from '@mcp-platform/registry';
import { z } from 'zod';
import { SERVER_NAME } from './names.ts';

/** The prefix of the gateway's own composite tools; no backend may use it. */
export const COMPOSITE_SERVER = 'ops';

/** The gateway's own registry entry (port, policy key, OAuth client). */
export const GATEWAY_ENTRY = serverByKey('gateway');

/**
 * The local backends: every server of `@mcp-platform/registry` but the gateway itself, by policy key
 * (= tool prefix), on its `pnpm start` URL. A newly registered server is federated without a change here.
 */
export const DEFAULT_BACKENDS: Readonly<Record<string, string>> = Object.fromEntries(backendServers().map((s) => [s.key, localUrl(s)]));

const replicaSet = z
  .strictObject({ resource: httpUrl().optional(), urls: z.array(httpUrl()).min(1, 'lists at least one replica URL').max(16) })
  .refine((t) => new Set(t.urls).size === t.urls.length, 'lists a replica URL twice')
  .transform((t) => ({ resource: t.resource ?? (t.urls[0] as string), urls: t.urls }));

/** One backend: its MCP endpoint URL, or several replicas of one server (`resource` = their common token audience, default the first URL). */
const backendTarget = z.unknown().transform((value, ctx): string | z.output<typeof replicaSet> => {
  // Not a z.union: its failure says only "Invalid input"; this one names what is wrong with the form used.
  const parsed = typeof value === 'string' ? httpUrl().safeParse(value) : replicaSet.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

const backendMap = z
  .record(z.string(), backendTarget)
  // Checked here rather than as the record's key schema: zod reports a bad record key only as "Invalid key in record".
  .superRefine((m, ctx) => {
    for (const name of Object.keys(m)) {
      if (!SERVER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'backend names are lower-case [a-z0-9-] (no underscore: "__" separates prefix and tool)' });
    }
  })
  .refine((m) => !(COMPOSITE_SERVER in m), `"${COMPOSITE_SERVER}" is the prefix of the gateway's composite tools`)
  .refine((m) => Object.keys(m).length > 0, 'at least one backend is required');

/** Everything mcp-gateway reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    /** `production` refuses dev defaults at start (dev IdP, loopback PUBLIC_URL, no REDIS_URL): docs/configuration.md. */
    ...profileEnv,
    ...loggingEnv,
    ...httpEnv(GATEWAY_ENTRY.port),
    /** The spine's per-principal rate limit and concurrency cap and global in-flight cap, Redis-shared when `REDIS_URL` is set. */
    ...limitsEnv,
    ...redisEnv,
    ...authEnv,
    /** Where the gateway's own rule (`data.mcp.gateway.decision`) is evaluated: the OPA server, or the same bundle in-process. */
    ...authzEnv,
    /** `MANAGEMENT_TOKEN` opens `/metrics` and the `/readyz` detail to non-loopback callers (Prometheus). */
    ...managementEnv,
    /** The gateway's own OAuth client at the IdP (RFC 8693 token exchange). */
    GATEWAY_CLIENT_ID: z.string().default(GATEWAY_ENTRY.ownerClientId ?? GATEWAY_ENTRY.name),
    /** DEV default is the dev IdP's public seed secret; set it (or GATEWAY_CLIENT_SECRET_FILE) anywhere else. */
    GATEWAY_CLIENT_SECRET: z.string().default('mcp-gateway-dev-secret'),
    /** Exchanged tokens are reused until this many seconds before their expiry. */
    TOKEN_EXCHANGE_EARLY_EXPIRY_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
    /** JSON `{ "<backend name>": "<scope>" }`: the scope to request in each token exchange (Keycloak: `mcp:tools mcp-network`). */
    TOKEN_EXCHANGE_SCOPES: z.string().optional(),
    /**
     * Backends as JSON `{ "<name>": "<MCP endpoint URL>" }`, or `{ "<name>": { "resource": "<token audience>", "urls": ["<replica>", …] } }`
     * for several replicas of one server (health per URL, reads retried on another replica: docs/reliability.md); wins over GATEWAY_BACKENDS_FILE.
     */
    GATEWAY_BACKENDS: z.string().optional(),
    /** Path of a JSON file with the same shape as GATEWAY_BACKENDS. */
    GATEWAY_BACKENDS_FILE: z.string().optional(),
    /** Timeout of one call to a backend, in ms. */
    BACKEND_TIMEOUT_MS: positiveInt(30_000),
    /** Consecutive transport failures that open a backend's circuit breaker. */
    BACKEND_BREAKER_FAILURES: positiveInt(5),
    /** Time a backend's breaker stays open before one trial call, in ms. */
    BACKEND_BREAKER_HALF_OPEN_MS: positiveInt(30_000),
    /** How often every backend's `/readyz` is probed, in ms (a down backend drops out of tools/list within this). */
    HEALTH_INTERVAL_MS: positiveInt(2_000),
    /**
     * Timeout of one `/readyz` probe, in ms. Above the spine's 2 s bound per readiness check: while a dependency every
     * replica shares hangs (OPA, Temporal), each replica's `/readyz` takes that long and still says `degraded`; a shorter
     * probe would drop every replica at once (the same 3 s as the Kubernetes readiness probes).
     */
    HEALTH_TIMEOUT_MS: positiveInt(3_000),
    /** Consecutive failed probes before a backend drops out (an open breaker or an unreachable call drops it at once). */
    HEALTH_DOWN_AFTER: positiveInt(2),
    /** How long a caller's tool list per backend is reused, in ms; 0 disables. */
    TOOLS_CACHE_TTL_MS: z.coerce.number().int().min(0).default(10_000),
    /**
     * Serve `tools/call` and `tools/list` on the spine's fast path (no SDK server per request). `false` sends
     * every request through the SDK: a switch back if the fast path ever misbehaves, and the bench's baseline.
     */
    GATEWAY_FAST_PATH: bool(true),
  }),
).transform((cfg, ctx) => {
  const delegation = parseDelegationConfig(ctx, {
    variable: 'GATEWAY_BACKENDS',
    fileVariable: 'GATEWAY_BACKENDS_FILE',
    json: cfg.GATEWAY_BACKENDS,
    file: cfg.GATEWAY_BACKENDS_FILE,
    scopes: cfg.TOKEN_EXCHANGE_SCOPES,
    defaults: DEFAULT_BACKENDS,
    schema: backendMap,
  });
  if (delegation === undefined) return z.NEVER;
  const publicUrl = cfg.PUBLIC_URL ?? `http://${cfg.HOST.includes(':') ? `[${cfg.HOST}]` : cfg.HOST}:${cfg.PORT}/mcp`;
  return { ...cfg, publicUrl, ...delegation };
});

export type GatewayConfig = z.output<typeof configSchema>;

/**
 * Parses and validates the configuration; throws a `ConfigError` naming each bad variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Env): GatewayConfig {
  return parseConfig('mcp-gateway', configSchema, env);
}
