import { httpUrl, positiveInt } from '@mcp-platform/mcp-common/config';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import type { UpstreamPolicyOptions } from '@mcp-platform/mcp-common/resilience';
import { withUpstreamCredentials, type SecretProvider } from '@mcp-platform/mcp-common/secrets';
import { z } from 'zod';
import { gitHubSecret } from '../secrets.ts';
import { createGitHubClient, type GitHubClient, type GitHubRateLimitOptions } from './client.ts';

/**
 * The GitHub client's variables — spread them into the service's one zod schema (`src/config.ts`).
 *
 * @example
 * ```ts
 * export const configSchema = z.object({ ...serverEnv(port), ...gitHubEnv });
 * ```
 */
export const gitHubEnv = {
  /** REST API root: `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server (the local simulator by default). */
  GITHUB_API_URL: httpUrl().default('http://127.0.0.1:9403'),
  /** Timeout of one GitHub request, in ms; default 10000. */
  GITHUB_TIMEOUT_MS: positiveInt(10_000),
  /** Secret name (Vault path `mcp/<name>`) holding `token`, or `app_id`, `private_key` and `installation_id`. */
  GITHUB_SECRET_NAME: z.string().default('github'),
  /** Longest rate-limit wait a read sits out before the call fails as rate limited, in seconds. */
  GITHUB_RATE_LIMIT_MAX_WAIT_SECONDS: positiveInt(10),
  /** Largest file get_file returns, in bytes. */
  GITHUB_MAX_FILE_BYTES: positiveInt(1024 * 1024),
};

/** The parsed {@link gitHubEnv}. */
export interface GitHubClientConfig {
  GITHUB_API_URL: string;
  GITHUB_TIMEOUT_MS: number;
  GITHUB_SECRET_NAME: string;
  GITHUB_RATE_LIMIT_MAX_WAIT_SECONDS: number;
  GITHUB_MAX_FILE_BYTES: number;
}

/** What {@link gitHubFromConfig} wires the client to. */
export interface GitHubWiring {
  /** The spine's secret provider: the client's credentials are `GITHUB_SECRET_NAME` in it. */
  secrets: SecretProvider;
  logger: Logger;
  /** `User-Agent` product, e.g. `mcp-github/0.1.0`. */
  userAgent: string;
  /** Upstream metrics (`metrics.upstream`); default none. */
  observer?: UpstreamPolicyOptions['observer'];
  /** The read cache of degraded mode (`readCache('github')`); default none. */
  readCache?: UpstreamPolicyOptions['readCache'];
  /** Write and search pacing, in ms (tests shorten them); defaults: the client's (1000, 2000). */
  pacing?: Pick<GitHubRateLimitOptions, 'writeIntervalMs' | 'searchIntervalMs'>;
}

/**
 * The one way a service builds its GitHub client from configuration, like the other connectors'
 * factories: credentials (PAT or GitHub App) read from the secret provider through
 * `withUpstreamCredentials` (parsed, cached, re-read once when GitHub rejects them),
 * `GITHUB_TIMEOUT_MS` per request, the rate-limit wait and file-size limits, the service's upstream
 * metrics and read cache. Used by mcp-github.
 *
 * @example
 * ```ts
 * const github = gitHubFromConfig(config, { secrets, logger, userAgent: 'mcp-github/0.1.0', observer: metrics.upstream, readCache: readCache('github') });
 * ```
 */
export function gitHubFromConfig(config: GitHubClientConfig, wiring: GitHubWiring): GitHubClient {
  const { secrets, logger, observer, readCache, pacing } = wiring;
  return withUpstreamCredentials({ secrets, name: config.GITHUB_SECRET_NAME, schema: gitHubSecret }, (credentials) =>
    createGitHubClient({
      baseUrl: config.GITHUB_API_URL,
      credentials,
      policy: { timeoutMs: config.GITHUB_TIMEOUT_MS, ...(observer ? { observer } : {}), ...(readCache ? { readCache } : {}) },
      rateLimit: { maxWaitSeconds: config.GITHUB_RATE_LIMIT_MAX_WAIT_SECONDS, ...pacing },
      maxFileBytes: config.GITHUB_MAX_FILE_BYTES,
      userAgent: wiring.userAgent,
      logger,
    }),
  );
}
