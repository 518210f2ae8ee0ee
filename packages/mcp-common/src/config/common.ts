import { z } from 'zod';
import { bool, httpUrl, list, port, positiveInt } from './parse.ts';

/** Logging: `LOG_LEVEL`, `SERVICE_ENVIRONMENT`. */
export const loggingEnv = {
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  SERVICE_ENVIRONMENT: z.string().default('local'),
};

/** Who may read `/metrics` and the detail of `/readyz`: `MANAGEMENT_TOKEN` (bearer), loopback when trusted. */
export const managementEnv = {
  /** Bearer token Prometheus and operators send for `/metrics` and `/readyz` detail. */
  MANAGEMENT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Loopback callers count as trusted (local runs); set false behind a sidecar proxy. */
  MANAGEMENT_TRUST_LOOPBACK: bool(true),
};

/**
 * HTTP serving for an MCP server: where it listens, its public resource URL
 * (the RFC 8707 resource identifier tokens must be issued for), Host/Origin
 * allow-lists (DNS-rebinding protection), body limit and drain time.
 */
export const httpEnv = (defaultPort: number) => ({
  HOST: z.string().default('127.0.0.1'),
  PORT: port(defaultPort),
  /** Public URL of the MCP endpoint, e.g. `https://mcp-network.example.com/mcp`. Default `http://127.0.0.1:<PORT>/mcp`. */
  PUBLIC_URL: httpUrl().optional(),
  /** Extra Host header values accepted besides the public URL's host and loopback. */
  ALLOWED_HOSTS: list(),
  /** Browser origins allowed to call (requests without Origin are always allowed). */
  ALLOWED_ORIGINS: list(),
  MAX_BODY_BYTES: positiveInt(1_048_576),
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  REQUEST_TIMEOUT_MS: positiveInt(60_000),
  /** Time a client has to send the complete request headers (slow-header defence). */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(15_000),
  /** Time a client has to send the complete request, body included (slow-body defence); answered 408. */
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** Idle keep-alive connections are closed after this; behind a load balancer set it above the LB's idle timeout. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
  /** Most open TCP connections; further connections are dropped at once. */
  HTTP_MAX_CONNECTIONS: positiveInt(1_024),
  ...managementEnv,
});

/** Shared state across replicas (rate-limit buckets, per-resource locks): `REDIS_URL`. In-process when unset. */
export const redisEnv = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
};

/** Fair share: per-principal token bucket and concurrency cap, and the global in-flight cap (load shedding). */
export const limitsEnv = {
  /** Steady requests per second per principal (token refill rate). */
  RATE_LIMIT_PER_SECOND: positiveInt(50),
  /** Extra requests a principal may burst above the steady rate; 0 disables bursting. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(100),
  /** Seconds over which a spent burst reserve comes back. */
  RATE_LIMIT_BURST_WINDOW_SECONDS: positiveInt(10),
  /** Most requests one principal may have in flight at once (per replica). */
  CONCURRENCY_PER_PRINCIPAL: positiveInt(16),
  /** Most requests in flight at once on one replica; above it: 503 + Retry-After (load shedding). */
  MAX_IN_FLIGHT: positiveInt(256),
  /** A principal's 429 is answered after this many ms (at most its Retry-After), so ignoring Retry-After cannot flood the event loop; 0 answers at once. */
  REFUSAL_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
};

/** Token verification (resource server): `OIDC_*`. */
export const authEnv = {
  OIDC_ISSUER: httpUrl().default('http://127.0.0.1:9400'),
  /** Audience tokens must carry. Default: the server's PUBLIC_URL. */
  OIDC_AUDIENCE: z.string().optional(),
  OIDC_REQUIRED_SCOPES: list(['mcp:tools']),
  OIDC_GROUPS_CLAIM: z.string().default('groups'),
  OIDC_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Least time between two JWKS fetches triggered by an unknown `kid` (bounds refresh storms). */
  OIDC_JWKS_REFRESH_MIN_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  OIDC_ALGORITHMS: list(['RS256', 'PS256', 'ES256', 'EdDSA']).refine(
    (algs) => algs.every((a) => a !== 'none' && !a.startsWith('HS')),
    'must list asymmetric algorithms only (no none, no HS*)',
  ),
  /** RFC 7662 introspection for opaque tokens (optional). */
  OIDC_INTROSPECTION_URL: httpUrl().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  /** With OIDC_INTROSPECTION_URL: introspect JWTs too, so revoked tokens and disabled users are refused before `exp`. */
  OIDC_INTROSPECT_JWT: bool(false),
  /** How long an active introspection result is reused, in milliseconds. */
  OIDC_INTROSPECTION_CACHE_TTL_MS: positiveInt(30_000),
};

/** Authorization: `AUTHZ_MODE` (`opa` server or in-process `wasm`), `OPA_URL`… */
export const authzEnv = {
  AUTHZ_MODE: z.enum(['opa', 'wasm']).default('opa'),
  OPA_URL: httpUrl().default('http://127.0.0.1:8181'),
  OPA_TIMEOUT_MS: positiveInt(2_000),
  AUTHZ_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  /** Compiled policy for `AUTHZ_MODE=wasm`. Default: the repository's `policies/dist/authz.wasm`. */
  OPA_WASM_PATH: z.string().optional(),
};

/** Secrets: Vault when `VAULT_ADDR` is set, otherwise the embedded local provider. */
export const secretsEnv = {
  VAULT_ADDR: httpUrl().optional(),
  VAULT_AUTH_METHOD: z.enum(['token', 'approle', 'kubernetes']).default('token'),
  VAULT_TOKEN: z.string().optional(),
  VAULT_ROLE_ID: z.string().optional(),
  VAULT_SECRET_ID: z.string().optional(),
  VAULT_K8S_ROLE: z.string().optional(),
  VAULT_K8S_JWT_PATH: z.string().default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
  VAULT_NAMESPACE: z.string().optional(),
  VAULT_KV_MOUNT: z.string().default('secret'),
  VAULT_KV_PREFIX: z.string().default('mcp/'),
  SECRETS_CACHE_TTL_MS: positiveInt(300_000),
  /** JSON file of `{ "<name>": { "<key>": "<value>" } }` for the local provider. */
  LOCAL_SECRETS_FILE: z.string().optional(),
  /** Allow the embedded dev credentials when no Vault is configured (never in production). */
  ALLOW_DEV_SECRETS: bool(true),
};

/**
 * `PLATFORM_PROFILE`: `development` (default: loopback dev IdP, embedded dev credentials allowed) or
 * `production`, where start-up refuses every dev default instead of running on it
 * ({@link withCommonRules}; docs/configuration.md "Production profile").
 */
export const profileEnv = {
  PLATFORM_PROFILE: z.enum(['development', 'production']).default('development'),
};

type Shape = Record<string, z.ZodType>;

function isLoopbackUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const host = new URL(value).hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The production profile's rules over the (raw, defaults applied) configuration: one issue per
 * variable that still has a dev value, each naming the variable and what production needs.
 * Only variables the service declares are checked.
 */
function productionIssues(cfg: Record<string, unknown>, declared: ReadonlySet<string>): { variable: string; message: string }[] {
  const issues: { variable: string; message: string }[] = [];
  const has = (v: string) => declared.has(v);
  if (has('OIDC_ISSUER') && !String(cfg['OIDC_ISSUER']).startsWith('https://')) {
    issues.push({ variable: 'OIDC_ISSUER', message: 'must be the https URL of the production identity provider (the default is the loopback dev IdP)' });
  }
  if (has('PUBLIC_URL') && (cfg['PUBLIC_URL'] === undefined || isLoopbackUrl(cfg['PUBLIC_URL']))) {
    issues.push({ variable: 'PUBLIC_URL', message: 'must be set to the public, non-loopback URL in production (it is the token audience)' });
  }
  if (has('ALLOW_DEV_SECRETS') && cfg['ALLOW_DEV_SECRETS'] !== false) issues.push({ variable: 'ALLOW_DEV_SECRETS', message: 'must be false in production (the embedded dev credentials)' });
  if (has('VAULT_ADDR') && cfg['VAULT_ADDR'] === undefined) issues.push({ variable: 'VAULT_ADDR', message: 'is required in production (upstream credentials come from Vault/OpenBao)' });
  if (has('LOCAL_SECRETS_FILE') && cfg['LOCAL_SECRETS_FILE'] !== undefined) issues.push({ variable: 'LOCAL_SECRETS_FILE', message: 'must not be set in production (use Vault/OpenBao)' });
  if (has('REDIS_URL') && cfg['REDIS_URL'] === undefined) issues.push({ variable: 'REDIS_URL', message: 'is required in production (rate limits and per-resource write locks must be shared by all replicas)' });
  return issues;
}

/**
 * Cross-field rules shared by every server: Vault auth method needs its
 * credentials; introspection needs a client; `PLATFORM_PROFILE=production` refuses dev defaults
 * (dev IdP, loopback public URL, embedded dev credentials, no Vault, no Redis),
 * naming each variable.
 */
export function withCommonRules<T extends z.ZodObject<Shape>>(schema: T) {
  const declared = new Set(Object.keys(schema.shape));
  return schema.superRefine((raw, ctx) => {
    const cfg = raw as Record<string, unknown>;
    if (cfg['PLATFORM_PROFILE'] === 'production') {
      for (const issue of productionIssues(cfg, declared)) ctx.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
    }
    if (cfg['VAULT_ADDR'] !== undefined) {
      const method = cfg['VAULT_AUTH_METHOD'];
      const need: Record<string, string[]> = {
        token: ['VAULT_TOKEN'],
        approle: ['VAULT_ROLE_ID', 'VAULT_SECRET_ID'],
        kubernetes: ['VAULT_K8S_ROLE'],
      };
      for (const v of need[String(method)] ?? []) {
        if (cfg[v] === undefined) ctx.addIssue({ code: 'custom', path: [v], message: `is required when VAULT_AUTH_METHOD=${String(method)}` });
      }
    }
    const headersMs = cfg['HTTP_HEADERS_TIMEOUT_MS'];
    const requestMs = cfg['HTTP_REQUEST_TIMEOUT_MS'];
    if (typeof headersMs === 'number' && typeof requestMs === 'number' && headersMs > requestMs) {
      ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS' });
    }
    const freshMs = cfg['UPSTREAM_CACHE_FRESH_MS'];
    const keepMs = cfg['UPSTREAM_CACHE_KEEP_MS'];
    if (typeof freshMs === 'number' && typeof keepMs === 'number' && freshMs > keepMs) {
      ctx.addIssue({ code: 'custom', path: ['UPSTREAM_CACHE_FRESH_MS'], message: 'must not exceed UPSTREAM_CACHE_KEEP_MS' });
    }
    if (cfg['OIDC_INTROSPECTION_URL'] !== undefined) {
      for (const v of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) {
        if (cfg[v] === undefined) ctx.addIssue({ code: 'custom', path: [v], message: 'is required when OIDC_INTROSPECTION_URL is set' });
      }
    }
  });
}

/** Per-resource write locks (decision binds to write); shared through `REDIS_URL` when set. */
export const resourceLockEnv = {
  /** Longest wait for a per-resource write lock before answering ERR_RESOURCE_BUSY. */
  RESOURCE_LOCK_WAIT_MS: positiveInt(10_000),
};

/** Degraded mode: the upstream read cache (in-process LRU, plus Redis when `REDIS_URL` is set). */
export const upstreamCacheEnv = {
  /** How long an upstream read is answered from the cache without asking the upstream; 0 = always ask while it is up. */
  UPSTREAM_CACHE_FRESH_MS: z.coerce.number().int().min(0).default(0),
  /** How long an upstream read is kept to answer (marked stale) while the upstream's circuit breaker is open. */
  UPSTREAM_CACHE_KEEP_MS: positiveInt(900_000),
  /** In-process entries per upstream (least recently used evicted first). */
  UPSTREAM_CACHE_MAX_ENTRIES: positiveInt(1_000),
};

/** Every variable an MCP server on the spine reads (logging, HTTP, limits, Redis, locks, auth, authz, secrets). */
export const serverEnv = (defaultPort: number) => ({ ...profileEnv, ...loggingEnv, ...httpEnv(defaultPort), ...limitsEnv, ...redisEnv, ...resourceLockEnv, ...upstreamCacheEnv, ...authEnv, ...authzEnv, ...secretsEnv });

const _commonServerSchema = z.object(serverEnv(0));
/** The parsed common configuration of an MCP server. */
export type CommonServerConfig = z.output<typeof _commonServerSchema>;
