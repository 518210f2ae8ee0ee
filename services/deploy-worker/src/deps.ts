import { createCatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';
import { createServiceNowClient } from '@mcp-platform/connectors/servicenow';
import type { Authorizer } from '@mcp-platform/mcp-common/authz';
import { createAuthorizerFromConfig } from '@mcp-platform/mcp-common/authz';
import type { PlatformLogger } from '@mcp-platform/mcp-common/logging';
import type { PlatformMetrics } from '@mcp-platform/mcp-common/metrics';
import { createSecretProviderFromConfig } from '@mcp-platform/mcp-common/secrets';
import { withCredentialRetry } from '@mcp-platform/mcp-common/server';
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
  const basic = (name: string) => async () => {
    const s = await secrets.get(name);
    if (!s['username'] || !s['password']) throw new TypeError(`secret "${name}" must have username and password`);
    return { username: s['username'], password: s['password'] };
  };
  const catalyst = withCredentialRetry(
    createCatalystCenterClient({
      baseUrl: config.CATALYST_BASE_URL,
      credentials: basic(config.CATALYST_SECRET_NAME),
      onCredentialRejected: () => secrets.invalidate(config.CATALYST_SECRET_NAME),
      policy: { timeoutMs: config.CATALYST_TIMEOUT_MS, ...(metrics ? { observer: metrics.upstream } : {}) },
      logger,
    }),
    secrets,
    config.CATALYST_SECRET_NAME,
  );
  const servicenow = withCredentialRetry(
    createServiceNowClient({
      instanceUrl: config.SERVICENOW_INSTANCE_URL,
      credentials: basic(config.SERVICENOW_SECRET_NAME),
      onCredentialRejected: () => secrets.invalidate(config.SERVICENOW_SECRET_NAME),
      policy: { timeoutMs: config.SERVICENOW_TIMEOUT_MS, ...(metrics ? { observer: metrics.upstream } : {}) },
      logger,
    }),
    secrets,
    config.SERVICENOW_SECRET_NAME,
  );
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
