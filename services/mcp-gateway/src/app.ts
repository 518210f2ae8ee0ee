import { createAuthorizerFromConfig } from '@mcp-platform/mcp-common/authz';
import { delegationFromConfig, type BackendInterceptor, type BackendPool } from '@mcp-platform/mcp-common/client';
import { createRequestLimits, limitSettingsFromConfig } from '@mcp-platform/mcp-common/limits';
import { createLogger, type PlatformLogger } from '@mcp-platform/mcp-common/logging';
import { createMetrics } from '@mcp-platform/mcp-common/metrics';
import { createRedisConnection } from '@mcp-platform/mcp-common/redis';
import { createMcpApp, listen, tokenVerifierFromConfig, type McpApp, type RunningServer } from '@mcp-platform/mcp-common/server';
import { createToolCatalog } from './catalog.ts';
import type { GatewayConfig } from './config.ts';
import { createGateway, GATEWAY_SERVER_ID } from './gateway.ts';
import { createHealthMonitor, type HealthMonitor } from './health.ts';

export const SERVICE = { name: 'mcp-gateway', version: '0.1.0' } as const;

/** Options of {@link startGateway} for tests and embedders. */
export interface StartGatewayOptions {
  /** Where ECS lines go. Default stdout. */
  logStream?: NodeJS.WritableStream;
  /** undici interceptors every MCP request to the backends passes through (tests record what the backends receive). */
  backendInterceptors?: readonly BackendInterceptor[];
  /** Overrides `GATEWAY_FAST_PATH` (tests start the fast path and its SDK-only twin from one configuration). */
  fastPath?: boolean;
}

/** A running gateway and its parts (tests reach into them). */
export interface RunningGateway extends RunningServer {
  publicUrl: string;
  mcp: McpApp;
  pool: BackendPool;
  health: HealthMonitor;
  logger: PlatformLogger;
}

/**
 * Starts the MCP gateway from its configuration: logger, token verifier (audience =
 * the gateway's public URL), the shared token exchanger and backend pool of the
 * spine, the gateway rule (OPA or Wasm), per-caller tool catalog, health monitor
 * (first probe before listening), and the spine's MCP app with the gateway's
 * server factory. Backend health changes and changed tool lists reach
 * 2026-07-28 clients as `notifications/tools/list_changed` on `subscriptions/listen`.
 *
 * @example
 * ```ts
 * const gateway = await startGateway(loadConfig(process.env));
 * ```
 */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const logger = createLogger({
    serviceName: SERVICE.name,
    serviceVersion: SERVICE.version,
    environment: config.SERVICE_ENVIRONMENT,
    level: config.LOG_LEVEL,
    ...(options.logStream ? { stream: options.logStream } : {}),
  });
  const metrics = createMetrics({ defaultLabels: { service: SERVICE.name } });
  const verifier = tokenVerifierFromConfig(config, config.publicUrl, logger);
  const { exchanger, pool } = delegationFromConfig(
    {
      issuer: config.OIDC_ISSUER,
      clientId: config.GATEWAY_CLIENT_ID,
      clientSecret: config.GATEWAY_CLIENT_SECRET,
      earlyExpirySeconds: config.TOKEN_EXCHANGE_EARLY_EXPIRY_SECONDS,
      backends: config.backends,
      exchangeScopes: config.exchangeScopes,
      timeoutMs: config.BACKEND_TIMEOUT_MS,
      breakerFailures: config.BACKEND_BREAKER_FAILURES,
      breakerHalfOpenMs: config.BACKEND_BREAKER_HALF_OPEN_MS,
      healthTimeoutMs: config.HEALTH_TIMEOUT_MS,
    },
    { service: SERVICE, logger, observer: metrics.upstream, ...(options.backendInterceptors ? { interceptors: options.backendInterceptors } : {}) },
  );
  // The spine's chain without its audit wrapper: the gateway writes its own audit line per hop.
  const authorizer = createAuthorizerFromConfig(config, { audit: logger, logger, entrypoint: 'mcp/gateway/decision' }).list;

  // The MCP app is built after the catalog and the monitor; their change callbacks reach it through this binding.
  let notifyToolsChanged = (): void => undefined;
  const catalog = createToolCatalog({ exchanger, ttlMs: config.TOOLS_CACHE_TTL_MS, onListChanged: () => notifyToolsChanged() });
  const health = createHealthMonitor({
    pool,
    intervalMs: config.HEALTH_INTERVAL_MS,
    downAfter: config.HEALTH_DOWN_AFTER,
    logger,
    onChange: (backend) => {
      catalog.invalidate(backend);
      notifyToolsChanged();
    },
  });
  // Fair share at the front: the spine's limits, counted in Redis across gateway replicas when REDIS_URL is set.
  const redis = config.REDIS_URL !== undefined ? await createRedisConnection({ url: config.REDIS_URL, logger }) : undefined;
  const limits = createRequestLimits({ name: SERVICE.name, settings: limitSettingsFromConfig(config), logger, ...(redis ? { redis: redis.client } : {}) });
  const gateway = createGateway({
      name: SERVICE.name,
      version: SERVICE.version,
      pool,
      exchanger,
      catalog,
      health,
      authorizer,
      logger,
      metrics,
      callTimeoutMs: config.REQUEST_TIMEOUT_MS,
  });
  const mcp = createMcpApp({
    service: SERVICE,
    serverId: GATEWAY_SERVER_ID,
    publicUrl: config.publicUrl,
    serverFactory: gateway.serverFactory,
    fastPathHandlers: gateway.fastPath,
    fastPath: options.fastPath ?? config.GATEWAY_FAST_PATH,
    logger,
    verifier,
    issuer: config.OIDC_ISSUER,
    requiredScopes: config.OIDC_REQUIRED_SCOPES,
    authorizer,
    metrics,
    allowedHosts: config.ALLOWED_HOSTS,
    allowedOrigins: config.ALLOWED_ORIGINS,
    maxBodyBytes: config.MAX_BODY_BYTES,
    limits,
    management: { trustLoopback: config.MANAGEMENT_TRUST_LOOPBACK, ...(config.MANAGEMENT_TOKEN ? { token: config.MANAGEMENT_TOKEN } : {}) },
  });
  notifyToolsChanged = () => mcp.notify.toolsChanged();
  await health.start();
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
    onClose: [() => mcp.close(), async () => health.stop(), () => pool.close(), () => authorizer.close(), async () => redis?.close(), () => logger.close()],
  });
  logger.info('mcp-gateway listening', {
    event: { action: 'start' },
    url: { full: config.publicUrl },
    labels: { authz_mode: config.AUTHZ_MODE, limits_store: redis ? 'redis' : 'memory', backends: Object.entries(health.snapshot()).map(([k, v]) => `${k}:${v}`).join(',') },
  });
  return { ...running, publicUrl: config.publicUrl, mcp, pool, health, logger };
}
