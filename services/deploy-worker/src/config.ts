import { authzEnv, httpUrl, loggingEnv, parseConfig, port, positiveInt, secretsEnv, type Env } from '@mcp-platform/mcp-common/config';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from './types.ts';

/** Temporal connection settings, shared by the worker, the CLI and mcp-network's deployment tools. */
export const temporalEnv = {
  /** `host:port` of the Temporal frontend. Default the local dev server. */
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** Client certificate (PEM file) for mTLS; needs TEMPORAL_TLS_KEY_PATH. */
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  /** CA bundle (PEM file) to trust instead of the system roots. */
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  /** Server name to verify in the server's certificate (default: the address's host). */
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Use TLS without a client certificate (e.g. Temporal Cloud with an API key). */
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Temporal Cloud API key (implies TLS). */
  TEMPORAL_API_KEY: z.string().optional(),
};

/** Cross-field rules of {@link temporalEnv}. */
export function temporalRules(cfg: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if ((cfg['TEMPORAL_TLS_CERT_PATH'] === undefined) !== (cfg['TEMPORAL_TLS_KEY_PATH'] === undefined)) {
    ctx.addIssue({ code: 'custom', path: [cfg['TEMPORAL_TLS_CERT_PATH'] === undefined ? 'TEMPORAL_TLS_CERT_PATH' : 'TEMPORAL_TLS_KEY_PATH'], message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together' });
  }
}

/** Everything the deploy worker reads from the environment — the only place that does. */
export const configSchema = z
  .object({
    ...loggingEnv,
    ...authzEnv,
    ...secretsEnv,
    ...temporalEnv,
    /** Most activities this worker runs at once. */
    WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(20),
    /** How long a dead worker's sticky workflow tasks wait before another worker takes them, in ms. */
    WORKER_STICKY_TIMEOUT_MS: positiveInt(10_000),
    /** Probes for orchestrators: `/healthz`, `/readyz` (worker polling), `/metrics`. */
    HEALTH_HOST: z.string().default('127.0.0.1'),
    HEALTH_PORT: port(8110),
    CATALYST_BASE_URL: httpUrl().default('http://127.0.0.1:9401'),
    CATALYST_TIMEOUT_MS: positiveInt(10_000),
    CATALYST_SECRET_NAME: z.string().default('catalyst-center'),
    SERVICENOW_INSTANCE_URL: httpUrl().default('http://127.0.0.1:9402'),
    SERVICENOW_TIMEOUT_MS: positiveInt(10_000),
    SERVICENOW_SECRET_NAME: z.string().default('servicenow'),
  })
  .superRefine((raw, ctx) => {
    temporalRules(raw, ctx);
    if (raw.VAULT_ADDR !== undefined && raw.VAULT_AUTH_METHOD === 'token' && raw.VAULT_TOKEN === undefined) {
      ctx.addIssue({ code: 'custom', path: ['VAULT_TOKEN'], message: 'is required when VAULT_AUTH_METHOD=token' });
    }
  });

export type WorkerConfig = z.output<typeof configSchema>;

/** The Temporal part of a parsed configuration. */
export type TemporalConfig = Pick<WorkerConfig, keyof typeof temporalEnv>;

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

/** What the operator CLI and other Temporal clients read: the connection settings only. */
export const clientConfigSchema = z.object(temporalEnv).superRefine((raw, ctx) => temporalRules(raw, ctx));

/**
 * Parses the Temporal client settings (`TEMPORAL_*`).
 *
 * @example
 * ```ts
 * const client = await connectClient(loadClientConfig(process.env));
 * ```
 */
export function loadClientConfig(env: Env): TemporalConfig {
  return parseConfig('deploy-cli', clientConfigSchema, env);
}
