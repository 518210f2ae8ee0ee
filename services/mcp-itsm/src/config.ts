import { serverByKey } from '@mcp-platform/registry';
import { parseConfig, serverEnv, withCommonRules, type Env } from '@mcp-platform/mcp-common/config';
import { serviceNowEnv } from '@mcp-platform/connectors/servicenow';
import { z } from 'zod';

/** Everything mcp-itsm reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    ...serverEnv(serverByKey('itsm').port),
    /** ServiceNow: `SERVICENOW_INSTANCE_URL`, `SERVICENOW_TIMEOUT_MS`, `SERVICENOW_SECRET_NAME` (the connector's one list). */
    ...serviceNowEnv,
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
