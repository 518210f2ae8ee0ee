import { z } from 'zod';

// How each kind of upstream credential is stored in its secret (Vault KV v2 `mcp/<upstream>`):
// one schema per kind, parsed by the spine's `withUpstreamCredentials`. Keys are the secret's
// (snake_case); the output is the connector's credential type.

const field = z.string().min(1);

/**
 * `username` and `password` (HTTP Basic): Catalyst Center's token endpoint, ServiceNow Basic auth.
 *
 * @example
 * ```ts
 * usernamePasswordSecret.parse({ username: 'svc', password: '…' }); // { username, password }
 * ```
 */
export const usernamePasswordSecret = z.object({ username: field, password: field }).describe('username and password');

/**
 * ServiceNow: OAuth client credentials (`client_id`, `client_secret`, preferred when present) or
 * `username` and `password`.
 *
 * @example
 * ```ts
 * serviceNowSecret.parse({ client_id: 'abc', client_secret: '…' }); // { clientId, clientSecret }
 * ```
 */
export const serviceNowSecret = z
  .union([
    z.object({ client_id: field, client_secret: field }).transform((s) => ({ clientId: s.client_id, clientSecret: s.client_secret })),
    usernamePasswordSecret,
  ])
  .describe('username and password, or client_id and client_secret');

/**
 * GitHub: a `token` (PAT), or a GitHub App's `app_id`, `private_key` and `installation_id`.
 *
 * @example
 * ```ts
 * gitHubSecret.parse({ token: 'ghp_…' }); // { token }
 * ```
 */
export const gitHubSecret = z
  .union([
    z.object({ token: field }),
    z
      .object({ app_id: field, private_key: field, installation_id: field })
      .transform((s) => ({ appId: s.app_id, privateKey: s.private_key, installationId: s.installation_id })),
  ])
  .describe('token, or app_id, private_key and installation_id');
