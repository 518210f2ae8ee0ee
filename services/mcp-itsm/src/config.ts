import { serverByKey } from '@mcp-platform/registry';
import { httpUrl, parseConfig, positiveInt, serverEnv, withCommonRules, type Env } from '@mcp-platform/mcp-common/config';
import { z } from 'zod';

/** Everything mcp-itsm reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    ...serverEnv(serverByKey('itsm').port),
    /** ServiceNow instance URL (the local simulator by default), e.g. `https://acme.service-now.com`. */
    SERVICENOW_INSTANCE_URL: httpUrl().default('http://127.0.0.1:9402'),
    SERVICENOW_TIMEOUT_MS: positiveInt(10_000),
    /**
     * Secret name (Vault path `mcp/<name>`) holding either `username` and `password` (Basic)
     * or `client_id` and `client_secret` (OAuth client credentials).
     */
    SERVICENOW_SECRET_NAME: z.string().default('servicenow'),
  }),
);

export type ItsmConfig = z.output<typeof configSchema>;

/**
 * Parses and validates the configuration; throws a `ConfigError` naming each bad variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Env): ItsmConfig {
  return parseConfig('mcp-itsm', configSchema, env);
}

/**
 * DEV ONLY: the credentials of the local ServiceNow simulator, served when no Vault and no
 * secrets file are configured (`ALLOW_DEV_SECRETS=true`, the local default).
 */
export const DEV_SECRETS = {
  servicenow: { username: 'admin', password: 'dev-only-servicenow-password' },
};
