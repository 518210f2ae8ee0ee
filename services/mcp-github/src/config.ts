import { serverByKey } from '@mcp-platform/registry';
import { list, parseConfig, serverEnv, withCommonRules, type Env } from '@mcp-platform/mcp-common/config';
import { gitHubEnv } from '@mcp-platform/connectors/github';
import { z } from 'zod';

/** Everything mcp-github reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    ...serverEnv(serverByKey('github').port),
    /** GitHub: `GITHUB_API_URL`, `GITHUB_TIMEOUT_MS`, `GITHUB_SECRET_NAME`, `GITHUB_RATE_LIMIT_MAX_WAIT_SECONDS`, `GITHUB_MAX_FILE_BYTES` (the connector's one list). */
    ...gitHubEnv,
    /**
     * Organizations this deployment serves (comma list; empty = any the credential reaches). A
     * deployment scope, not authorization: which orgs may be *written* is policy data
     * (`data.mcp.github.allowed_write_orgs`).
     */
    GITHUB_ALLOWED_ORGS: list([]),
  }),
);

export type GitHubConfig = z.output<typeof configSchema>;

/**
 * Parses and validates the configuration; throws a `ConfigError` naming each bad variable.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Env): GitHubConfig {
  return parseConfig('mcp-github', configSchema, env);
}

/**
 * DEV ONLY: the token of the local GitHub simulator, served when no Vault and no secrets file
 * are configured (`ALLOW_DEV_SECRETS=true`, the local default).
 */
export const DEV_SECRETS = {
  github: { token: 'dev-only-github-token' },
};
