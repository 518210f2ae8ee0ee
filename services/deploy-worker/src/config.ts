import { authEnv, authzEnv, loggingEnv, parseConfig, port, positiveInt, redisEnv, resourceLockEnv, secretsEnv, type Env } from '@mcp-platform/mcp-common/config';
import { catalystCenterEnv } from '@mcp-platform/connectors/catalyst-center';
import { serviceNowEnv } from '@mcp-platform/connectors/servicenow';
import { z } from 'zod';
import { DEFAULT_STANDARD_CHANGE_TEMPLATE, temporalEnv, temporalRules } from '@mcp-platform/deployment-contract';

/** Everything the deploy worker reads from the environment — the only place that does. */
export const configSchema = z
  .object({
    ...loggingEnv,
    // The IdP that issues the credentials the worker verifies (audience DEPLOY_WORKER_AUDIENCE, not OIDC_AUDIENCE).
    ...authEnv,
    ...authzEnv,
    ...secretsEnv,
    ...temporalEnv,
    // mcp-itsm's per-change write lock, shared through Redis (REDIS_URL; in-process when unset): RESOURCE_LOCK_WAIT_MS.
    ...redisEnv,
    ...resourceLockEnv,
    /** Most activities this worker runs at once. */
    WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(20),
    /** How long a dead worker's sticky workflow tasks wait before another worker takes them, in ms. */
    WORKER_STICKY_TIMEOUT_MS: positiveInt(10_000),
    /** The prebuilt workflow bundle (images: `/app/services/deploy-worker/dist/workflow-bundle.js`); unset = bundle the workflow code at start. */
    WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
    /** `host:port` where the Temporal SDK's own metrics (`temporal_*`) are served to Prometheus at `/metrics`; unset = off. */
    TEMPORAL_METRICS_BIND_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port').optional(),
    /** Probes for orchestrators: `/healthz`, `/readyz` (worker polling), `/metrics`. */
    HEALTH_HOST: z.string().default('127.0.0.1'),
    HEALTH_PORT: port(8110),
    ...catalystCenterEnv,
    ...serviceNowEnv,
    /**
     * The approved standard-change template (`std_change_producer_version`) a pre-approved deployment
     * (`changeType: 'standard'`) is raised from; the policy's catalog (data.mcp.itsm.standard_change_templates) must list it.
     */
    SERVICENOW_STANDARD_CHANGE_TEMPLATE: z.string().min(1).max(100).default(DEFAULT_STANDARD_CHANGE_TEMPLATE),
  })
  .superRefine((raw, ctx) => {
    temporalRules(raw, ctx);
    if (raw.OIDC_AUDIENCE !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_AUDIENCE'], message: 'is not used by the deploy worker: set DEPLOY_WORKER_AUDIENCE' });
    }
    if (raw.VAULT_ADDR !== undefined && raw.VAULT_AUTH_METHOD === 'token' && raw.VAULT_TOKEN === undefined) {
      ctx.addIssue({ code: 'custom', path: ['VAULT_TOKEN'], message: 'is required when VAULT_AUTH_METHOD=token' });
    }
  });

export type WorkerConfig = z.output<typeof configSchema>;

/**
 * Parses and validates the configuration; throws a `ConfigError` naming each bad variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Env): WorkerConfig {
  return parseConfig('deploy-worker', configSchema, env);
}

/** DEV ONLY: the local simulators' credentials, used when no Vault and no secrets file are configured. */
export const DEV_SECRETS = {
  'catalyst-center': { username: 'admin', password: 'dev-only-catalyst-password' },
  servicenow: { username: 'admin', password: 'dev-only-servicenow-password' },
};

/** What the operator CLI reads: the Temporal connection and how to log in at the IdP. */
export const clientConfigSchema = z
  .object({
    ...temporalEnv,
    /** The IdP the CLI logs in at (its discovery document names the token and device endpoints). */
    OIDC_ISSUER: authEnv.OIDC_ISSUER,
    /** The CLI's public OAuth client. Default `mcp-dev-cli` (the dev IdP's); e.g. `deploy-cli` in the Keycloak realm. */
    DEPLOY_CLI_CLIENT_ID: z.string().min(1).default('mcp-dev-cli'),
    /**
     * How the CLI logs in: `device` (RFC 8628: open the printed URL, enter the code), `password`
     * (OAuth password grant, e.g. Keycloak direct access grants) or `dev-password` (the dev IdP's
     * DEV ONLY grant). Default `dev-password`.
     */
    DEPLOY_CLI_GRANT: z.enum(['device', 'password', 'dev-password']).default('dev-password'),
    /** Login name for the password grants (`--user` wins). */
    DEPLOY_USER: z.string().min(1).optional(),
    /** Password for the password grants (or DEPLOY_PASSWORD_FILE; else the CLI asks on the terminal). */
    DEPLOY_PASSWORD: z.string().min(1).optional(),
  })
  .superRefine((raw, ctx) => temporalRules(raw, ctx));

export type ClientConfig = z.output<typeof clientConfigSchema>;

/**
 * Parses the operator CLI's settings (`TEMPORAL_*`, `OIDC_ISSUER`, `DEPLOY_CLI_*`).
 *
 * @example
 * ```ts
 * const config = loadClientConfig(process.env);
 * const client = await connectClient(config);
 * ```
 */
export function loadClientConfig(env: Env): ClientConfig {
  return parseConfig('deploy-cli', clientConfigSchema, env);
}
