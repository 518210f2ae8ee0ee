import { serverByKey } from '@mcp-platform/registry';
import { httpUrl, list, parseConfig, positiveInt, serverEnv, withCommonRules, type Env } from '@mcp-platform/mcp-common/config';
import { z } from 'zod';

/** Everything mcp-github reads from the environment — the only place that does. */
export const configSchema = withCommonRules(
  z.object({
    ...serverEnv(serverByKey('github').port),
    /** REST API root: `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server (the local simulator by default). */
    GITHUB_API_URL: httpUrl().default('http://127.0.0.1:9403'),
    GITHUB_TIMEOUT_MS: positiveInt(10_000),
    /** Secret name (Vault path `mcp/<name>`) holding `token`, or `app_id`, `private_key` and `installation_id`. */
    GITHUB_SECRET_NAME: z.string().default('github'),
    /**
     * Organizations this deployment serves (comma list; empty = any the credential reaches). A
     * deployment scope, not authorization: which orgs may be *written* is policy data
     * (`data.mcp.github.allowed_write_orgs`).
     */
    GITHUB_ALLOWED_ORGS: list([]),
    /** Longest rate-limit wait a read sits out before the call fails as rate limited, in seconds. */
    GITHUB_RATE_LIMIT_MAX_WAIT_SECONDS: positiveInt(10),
    /** Largest file get_file returns, in bytes. */
    GITHUB_MAX_FILE_BYTES: positiveInt(1024 * 1024),
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
