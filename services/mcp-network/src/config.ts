import { serverByKey } from '@mcp-platform/registry';
import { parseConfig, positiveInt, serverEnv, withCommonRules, type Env } from '@mcp-platform/mcp-common/config';
import { temporalEnv, temporalRules } from '@mcp-platform/deployment-contract';
import { catalystCenterEnv } from '@mcp-platform/connectors/catalyst-center';
import { z } from 'zod';

/** Everything mcp-network reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    ...serverEnv(serverByKey('network').port),
    /** Catalyst Center: `CATALYST_BASE_URL`, `CATALYST_TIMEOUT_MS`, `CATALYST_SECRET_NAME` (the connector's one list). */
    ...catalystCenterEnv,
    /**
     * How long a Catalyst Center read (inventory, sites, templates) is answered from the read cache without
     * asking Catalyst Center, in ms; default 2000 (the spine's default is 0). Catalyst Center's inventory is
     * itself a periodic resync of the devices (minutes), so 2 s adds little; any call through this process
     * that is not a cached read (a deploy) ends the window at once; tasks and deployment status are never
     * served from it. 0 = always ask. Reasoning: docs/reliability.md, "The fresh window".
     */
    UPSTREAM_CACHE_FRESH_MS: z.coerce.number().int().min(0).default(2_000),
    /** Most devices one deploy_template call may target. */
    DEPLOY_MAX_DEVICES: positiveInt(50),
    /** Temporal for deployment workflows (`TEMPORAL_NAMESPACE`, `TEMPORAL_TASK_QUEUE`, `TEMPORAL_TLS_*`, `TEMPORAL_API_KEY`); unset = the workflow tools are off. */
    ...temporalEnv,
    TEMPORAL_ADDRESS: temporalEnv.TEMPORAL_ADDRESS.removeDefault().optional(),
    /** mcp-network's own OAuth client (RFC 8693): exchanges the caller's token for a credential to the deploy worker. */
    TOKEN_EXCHANGE_CLIENT_ID: z.string().min(1).default('mcp-network'),
    /** DEV ONLY default; set it (or TOKEN_EXCHANGE_CLIENT_SECRET_FILE) everywhere else. */
    TOKEN_EXCHANGE_CLIENT_SECRET: z.string().min(1).default('mcp-network-dev-secret'),
    /** Scope asked for with the exchange (Keycloak selects the audience by client scope: `mcp:tools deploy-worker`). */
    TOKEN_EXCHANGE_SCOPE: z.string().optional(),
  }),
).superRefine((raw, ctx) => temporalRules(raw, ctx));

export type NetworkConfig = z.output<typeof configSchema>;

/**
 * Parses and validates the configuration; throws a `ConfigError` naming each bad variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Env): NetworkConfig {
  return parseConfig('mcp-network', configSchema, env);
}

/**
 * DEV ONLY: the credentials of the local Catalyst Center simulator, served when no
 * Vault and no secrets file are configured (`ALLOW_DEV_SECRETS=true`, the local default).
 */
export const DEV_SECRETS = {
  'catalyst-center': { username: 'admin', password: 'dev-only-catalyst-password' },
};
