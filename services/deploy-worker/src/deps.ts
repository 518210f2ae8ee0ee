import { catalystCenterFromConfig } from '@mcp-platform/connectors/catalyst-center';
import { serviceNowFromConfig } from '@mcp-platform/connectors/servicenow';
import type { Authorizer } from '@mcp-platform/mcp-common/authz';
import { createAuthorizerFromConfig } from '@mcp-platform/mcp-common/authz';
import { resourceLockFromConfig } from '@mcp-platform/mcp-common/binding';
import { createRedisConnection } from '@mcp-platform/mcp-common/redis';
import type { PlatformLogger } from '@mcp-platform/mcp-common/logging';
import type { PlatformMetrics } from '@mcp-platform/mcp-common/metrics';
import { createSecretProviderFromConfig } from '@mcp-platform/mcp-common/secrets';
import { createServiceNowChangeManagement, type ActivityDeps } from './activities/index.ts';
import { DEV_SECRETS, type WorkerConfig } from './config.ts';

/** The activities' dependencies and how to release them. */
export interface BuiltDeps extends ActivityDeps {
  authorizer: Authorizer;
  close(): Promise<void>;
}

/**
 * Builds the activities' clients from the configuration: secrets (Vault or dev), Catalyst Center,
 * ServiceNow (its change writes under mcp-itsm's per-change lock, shared through `REDIS_URL`), the
 * authorizer (OPA or in-process Wasm, audited).
 *
 * @throws when `REDIS_URL` is set and Redis cannot be reached at start (the message names it).
 * @example
 * ```ts
 * const deps = await buildDeps(config, logger);
 * const activities = createActivities(deps);
 * ```
 */
export async function buildDeps(config: WorkerConfig, logger: PlatformLogger, metrics?: PlatformMetrics): Promise<BuiltDeps> {
  // The lock mcp-itsm takes on a change (same Redis, same keys), so a deployment's write and a tool's write never interleave.
  const redis = config.REDIS_URL === undefined ? undefined : await createRedisConnection({ url: config.REDIS_URL, logger });
  const lock = resourceLockFromConfig(config, redis);
  const secrets = createSecretProviderFromConfig(config, { logger, audit: logger, devSecrets: DEV_SECRETS, ...(metrics ? { metrics } : {}) });
  const observer = metrics ? { observer: metrics.upstream } : {};
  const catalyst = catalystCenterFromConfig(config, { secrets, logger, ...observer });
  const servicenow = serviceNowFromConfig(config, { secrets, logger, ...observer });
  // No decision cache: a workflow's decisions must see the policy as it is at each step.
  const authz = createAuthorizerFromConfig({ ...config, AUTHZ_CACHE_TTL_MS: 0 }, { audit: logger, logger });
  const authorizer = authz.call;
  return {
    catalyst,
    itsm: createServiceNowChangeManagement(servicenow, { lock }),
    standardChangeTemplate: config.SERVICENOW_STANDARD_CHANGE_TEMPLATE,
    authorizer,
    logger,
    async close() {
      await Promise.allSettled([catalyst.close(), servicenow.close(), authorizer.close(), secrets.close(), lock.close()]);
      await redis?.close();
    },
  };
}
