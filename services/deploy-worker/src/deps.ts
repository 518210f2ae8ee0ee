import { catalystCenterFromConfig } from '@mcp-platform/connectors/catalyst-center';
import { serviceNowFromConfig } from '@mcp-platform/connectors/servicenow';
import type { Authorizer } from '@mcp-platform/mcp-common/authz';
import { createAuthorizerFromConfig } from '@mcp-platform/mcp-common/authz';
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
 * ServiceNow, the authorizer (OPA or in-process Wasm, audited).
 *
 * @example
 * ```ts
 * const deps = buildDeps(config, logger);
 * const activities = createActivities(deps);
 * ```
 */
export function buildDeps(config: WorkerConfig, logger: PlatformLogger, metrics?: PlatformMetrics): BuiltDeps {
  const secrets = createSecretProviderFromConfig(config, { logger, audit: logger, devSecrets: DEV_SECRETS, ...(metrics ? { metrics } : {}) });
  const observer = metrics ? { observer: metrics.upstream } : {};
  const catalyst = catalystCenterFromConfig(config, { secrets, logger, ...observer });
  const servicenow = serviceNowFromConfig(config, { secrets, logger, ...observer });
  // No decision cache: a workflow's decisions must see the policy as it is at each step.
  const authz = createAuthorizerFromConfig({ ...config, AUTHZ_CACHE_TTL_MS: 0 }, { audit: logger, logger });
  const authorizer = authz.call;
  return {
    catalyst,
    itsm: createServiceNowChangeManagement(servicenow),
    standardChangeTemplate: config.SERVICENOW_STANDARD_CHANGE_TEMPLATE,
    authorizer,
    logger,
    async close() {
      await Promise.allSettled([catalyst.close(), servicenow.close(), authorizer.close(), secrets.close()]);
    },
  };
}
