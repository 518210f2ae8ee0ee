import { createTokenVerifier, type TokenVerifier } from '../auth/index.ts';
import { createAuthorizerFromConfig, type Authorizer } from '../authz/index.ts';
import { resourceLockFromConfig } from '../binding/index.ts';
import type { CommonServerConfig } from '../config/index.ts';
import { createLogger, type Logger, type PlatformLogger } from '../logging/index.ts';
import { createRequestLimits, limitSettingsFromConfig } from '../limits/index.ts';
import { createMetrics, type PlatformMetrics } from '../metrics/index.ts';
import { createRedisConnection, type RedisConnection } from '../redis/index.ts';
import { createUpstreamReadCache, type BreakerState, type UpstreamReadCache } from '../resilience/index.ts';
import { createSecretProviderFromConfig, type SecretProvider } from '../secrets/index.ts';
import { createMcpApp, type McpApp } from './app.ts';
import { listen, type RunningServer } from './listen.ts';
import { shutdownTelemetry } from '../telemetry/sdk.ts';
import type { TaskBackend } from './tasks.ts';
import type { AnyToolDefinition, TokenDelegation } from './tool.ts';

/** What {@link bootstrapServer} hands to a server's `buildDeps`. */
export interface SpineServices {
  config: CommonServerConfig;
  logger: PlatformLogger;
  metrics: PlatformMetrics;
  /** Upstream credentials; every value read is registered for log redaction. */
  secrets: SecretProvider;
  /** The process's one Redis connection when `REDIS_URL` is set (shared locks, caches); closed by the spine. */
  redis?: RedisConnection;
  /**
   * Degraded mode: the read cache of an upstream (`UPSTREAM_CACHE_*` TTLs; shared through Redis
   * when `REDIS_URL` is set), for the upstream policy's `readCache`.
   */
  readCache(upstream: string): UpstreamReadCache;
}

/** Options of {@link bootstrapServer}. */
export interface BootstrapOptions<D> {
  service: { name: string; version: string };
  serverId: string;
  upstreamName: string;
  config: CommonServerConfig;
  tools: AnyToolDefinition<D>[];
  /** Builds the domain dependencies (upstream clients) from the spine's services. */
  buildDeps: (spine: SpineServices) => D | Promise<D>;
  /** Extra readiness checks. */
  readiness?: (deps: D) => Record<string, () => Promise<boolean | 'degraded'>>;
  /**
   * The server's upstream and its circuit breaker (degraded mode): `/readyz` reports it `degraded`
   * while the breaker is open, and write tools are refused (`ERR_UPSTREAM_DEGRADED`).
   */
  upstream?: (deps: D) => { name: string; breakerState: () => BreakerState };
  /** Closed at shutdown after the HTTP server drained. */
  closeDeps?: (deps: D) => Promise<void>;
  /** DEV ONLY credentials served when no Vault and no secrets file are configured and `ALLOW_DEV_SECRETS` is true. */
  devSecrets?: Record<string, Record<string, string>>;
  instructions?: string;
  /** Where log lines go. Default stdout. */
  logStream?: NodeJS.WritableStream;
  /** Token delegation for `ToolContext.delegate` (RFC 8693), built from the spine's services. Default: none. */
  delegation?: (spine: SpineServices) => TokenDelegation | undefined;
  /** The server's task backend (Tasks extension, SEP-2663), built from its dependencies. Default: none. */
  tasks?: (deps: D) => TaskBackend | undefined;
}

/** A started server and its parts (tests reach into them). */
export interface BootstrappedServer<D> extends RunningServer {
  mcp: McpApp;
  logger: PlatformLogger;
  deps: D;
  authorizer: Authorizer;
  secrets: SecretProvider;
  /** The resource identifier tokens must be issued for. */
  publicUrl: string;
}

/** The OIDC_* variables of every resource server (see `authEnv`). */
export type AuthConfig = Pick<
  CommonServerConfig,
  | 'OIDC_ISSUER'
  | 'OIDC_AUDIENCE'
  | 'OIDC_REQUIRED_SCOPES'
  | 'OIDC_CLOCK_SKEW_SECONDS'
  | 'OIDC_ALGORITHMS'
  | 'OIDC_GROUPS_CLAIM'
  | 'OIDC_JWKS_REFRESH_MIN_INTERVAL_MS'
  | 'OIDC_INTROSPECTION_URL'
  | 'OIDC_CLIENT_ID'
  | 'OIDC_CLIENT_SECRET'
  | 'OIDC_INTROSPECT_JWT'
  | 'OIDC_INTROSPECTION_CACHE_TTL_MS'
>;

/**
 * The token verifier of a resource server from its `OIDC_*` configuration; the audience
 * defaults to `publicUrl` (its RFC 8707 resource identifier).
 *
 * @example
 * ```ts
 * const verifier = tokenVerifierFromConfig(config, 'https://mcp-network.example.com/mcp', logger);
 * ```
 */
export function tokenVerifierFromConfig(config: AuthConfig, publicUrl: string, logger: Logger): TokenVerifier {
  return createTokenVerifier({
    issuer: config.OIDC_ISSUER,
    audience: config.OIDC_AUDIENCE ?? publicUrl,
    requiredScopes: config.OIDC_REQUIRED_SCOPES,
    clockSkewSeconds: config.OIDC_CLOCK_SKEW_SECONDS,
    algorithms: config.OIDC_ALGORITHMS,
    groupsClaim: config.OIDC_GROUPS_CLAIM,
    jwksRefreshMinIntervalMs: config.OIDC_JWKS_REFRESH_MIN_INTERVAL_MS,
    logger,
    ...(config.OIDC_INTROSPECTION_URL
      ? {
          introspection: {
            endpoint: config.OIDC_INTROSPECTION_URL,
            clientId: config.OIDC_CLIENT_ID ?? '',
            clientSecret: config.OIDC_CLIENT_SECRET ?? '',
            jwt: config.OIDC_INTROSPECT_JWT,
            cacheTtlMs: config.OIDC_INTROSPECTION_CACHE_TTL_MS,
          },
        }
      : {}),
  });
}

/**
 * Starts one MCP server on the spine from its parsed configuration: logger,
 * token verifier, authorizer chain, secret provider, domain dependencies, the
 * Express app, and graceful shutdown on SIGTERM/SIGINT. A service's `main.ts`
 * is just `loadConfig()` + this.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * await bootstrapServer({ service, serverId: 'network', upstreamName: 'Catalyst Center', config, tools, buildDeps });
 * ```
 */
export async function bootstrapServer<D>(opts: BootstrapOptions<D>): Promise<BootstrappedServer<D>> {
  const { config } = opts;
  const logger = createLogger({
    serviceName: opts.service.name,
    serviceVersion: opts.service.version,
    environment: config.SERVICE_ENVIRONMENT,
    level: config.LOG_LEVEL,
    ...(opts.logStream ? { stream: opts.logStream } : {}),
  });
  const publicUrl = config.PUBLIC_URL ?? `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}/mcp`;
  const metrics = createMetrics({ defaultLabels: { service: opts.service.name } });
  const secrets = createSecretProviderFromConfig(config, { logger, audit: logger, metrics, ...(opts.devSecrets ? { devSecrets: opts.devSecrets } : {}) });
  const authz = createAuthorizerFromConfig(config, { audit: logger, logger });
  const verifier = tokenVerifierFromConfig(config, publicUrl, logger);
  const redis = config.REDIS_URL !== undefined ? await createRedisConnection({ url: config.REDIS_URL, logger }) : undefined;
  const limits = createRequestLimits({
    name: opts.service.name,
    settings: limitSettingsFromConfig(config),
    logger,
    ...(redis ? { redis: redis.client } : {}),
  });
  const readCache = (upstream: string) =>
    createUpstreamReadCache({
      name: upstream,
      freshForMs: config.UPSTREAM_CACHE_FRESH_MS,
      keepForMs: config.UPSTREAM_CACHE_KEEP_MS,
      maxEntries: config.UPSTREAM_CACHE_MAX_ENTRIES,
      logger,
      ...(redis ? { redis: redis.client } : {}),
    });
  const spine: SpineServices = { config, logger, metrics, secrets, readCache, ...(redis ? { redis } : {}) };
  const deps = await opts.buildDeps(spine);
  const delegation = opts.delegation?.(spine);
  const resourceLock = resourceLockFromConfig(config, redis);
  const taskBackend = opts.tasks?.(deps);
  const mcp = createMcpApp({
    service: opts.service,
    serverId: opts.serverId,
    upstreamName: opts.upstreamName,
    publicUrl,
    tools: opts.tools,
    deps,
    logger,
    verifier,
    issuer: config.OIDC_ISSUER,
    requiredScopes: config.OIDC_REQUIRED_SCOPES,
    authorizer: authz.call,
    listAuthorizer: authz.list,
    metrics,
    readiness: { secrets: () => secrets.ready(), ...(resourceLock.kind === 'redis' ? { 'resource-lock': () => resourceLock.ready() } : {}), ...opts.readiness?.(deps) },
    allowedHosts: config.ALLOWED_HOSTS,
    allowedOrigins: config.ALLOWED_ORIGINS,
    maxBodyBytes: config.MAX_BODY_BYTES,
    callTimeoutMs: config.REQUEST_TIMEOUT_MS,
    limits,
    resourceLock,
    ...(opts.upstream ? { upstream: opts.upstream(deps) } : {}),
    management: { trustLoopback: config.MANAGEMENT_TRUST_LOOPBACK, ...(config.MANAGEMENT_TOKEN ? { token: config.MANAGEMENT_TOKEN } : {}) },
    ...(delegation ? { delegation } : {}),
    ...(taskBackend ? { tasks: taskBackend } : {}),
    ...(opts.instructions ? { instructions: opts.instructions } : {}),
  });
  const running = await listen(mcp.app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    http: {
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: config.HTTP_MAX_CONNECTIONS,
    },
    onClose: [
      () => mcp.close(),
      async () => opts.closeDeps?.(deps),
      () => resourceLock.close(),
      () => authz.close(),
      () => secrets.close(),
      async () => redis?.close(),
      () => logger.close(),
    ],
  });
  logger.info(`${opts.service.name} listening`, {
    event: { action: 'start' },
    url: { full: publicUrl },
    labels: { authz_mode: config.AUTHZ_MODE, resource_lock: resourceLock.kind, secrets: config.VAULT_ADDR ? 'vault' : config.LOCAL_SECRETS_FILE ? 'file' : 'dev', limits_store: redis ? 'redis' : 'memory' },
  });
  return { ...running, mcp, logger, deps, authorizer: authz.call, secrets, publicUrl };
}

/**
 * Closes `server` on SIGTERM/SIGINT (drain, then dependencies, then flush buffered spans) and exits.
 * A server with `drain()` ({@link listen}'s) drains: stops accepting, `/readyz` 503 `draining`,
 * answers what is in flight and what still arrives on open connections, never resets one.
 *
 * @example
 * ```ts
 * exitOnSignals(await bootstrapServer(options));
 * ```
 */
export function exitOnSignals(server: { close(): Promise<void>; drain?: () => Promise<void> }): void {
  const stop = () => {
    void (server.drain ? server.drain() : server.close())
      .finally(() => shutdownTelemetry())
      .then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
