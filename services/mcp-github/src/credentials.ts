import type { GitHubCredentials } from '@mcp-platform/connectors/github';
import type { SecretValue } from '@mcp-platform/mcp-common/secrets';

/**
 * The GitHub credential in a secret: `token` (a PAT), or a GitHub App's `app_id`,
 * `private_key` and `installation_id`. Misconfiguration is a `TypeError` naming the keys, never
 * the values.
 *
 * @example
 * ```ts
 * githubCredentials('github', { token: 'ghp_…' }); // { token: 'ghp_…' }
 * ```
 */
export function githubCredentials(name: string, secret: SecretValue): GitHubCredentials {
  const { token, app_id: appId, private_key: privateKey, installation_id: installationId } = secret;
  if (token) return { token };
  if (appId && privateKey && installationId) return { appId, privateKey, installationId };
  throw new TypeError(`secret "${name}" must have token, or app_id, private_key and installation_id`);
}
