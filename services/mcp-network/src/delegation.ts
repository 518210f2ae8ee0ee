import * as oidc from 'openid-client';
import { PlatformError } from '@mcp-platform/mcp-common/errors';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import type { TokenDelegation } from '@mcp-platform/mcp-common/server';

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** Options of {@link createWorkerDelegation}. */
export interface WorkerDelegationOptions {
  issuer: string;
  /** mcp-network's confidential client at the IdP (owner of mcp-network's audience). */
  clientId: string;
  clientSecret: string;
  /** `scope` to request: Keycloak selects the audience by client scope (e.g. `mcp:tools deploy-worker`). Default none (RFC 8707 `resource` only). */
  scope?: string;
  /** Timeout of discovery and each exchange, in seconds. Default 5. */
  timeoutSeconds?: number;
  logger?: Logger;
}

/**
 * RFC 8693 token exchange for credentials to the deploy worker: the caller's mcp-network token →
 * a token whose audience is the worker (`sub` stays the caller, `act` names mcp-network). No cache on
 * purpose: the worker accepts each credential once, so every workflow action gets a fresh one.
 *
 * @example
 * ```ts
 * const delegation = createWorkerDelegation({ issuer, clientId: 'mcp-network', clientSecret });
 * const credential = await delegation.exchange(callerToken, 'urn:mcp-platform:deploy-worker');
 * ```
 */
export function createWorkerDelegation(options: WorkerDelegationOptions): TokenDelegation {
  const issuer = new URL(options.issuer);
  const timeout = options.timeoutSeconds ?? 5;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> =>
    (discovered ??= oidc
      .discovery(issuer, options.clientId, undefined, oidc.ClientSecretBasic(options.clientSecret), {
        execute: issuer.protocol === 'http:' && loopback ? [oidc.allowInsecureRequests] : [],
        timeout,
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      }));
  return {
    async exchange(subjectToken, audience) {
      try {
        const response = await oidc.genericGrantRequest(await configuration(), TOKEN_EXCHANGE_GRANT, {
          subject_token: subjectToken,
          subject_token_type: ACCESS_TOKEN_TYPE,
          requested_token_type: ACCESS_TOKEN_TYPE,
          resource: audience,
          ...(options.scope ? { scope: options.scope } : {}),
        });
        return response.access_token;
      } catch (err) {
        if (err instanceof oidc.ResponseBodyError) {
          options.logger?.warn('token exchange refused', { error: { code: err.error }, url: { full: audience } });
          throw new PlatformError('ERR_AUTHZ_DENIED', 'The identity provider refused to delegate your identity to the deployment workflows.', { cause: err });
        }
        options.logger?.warn('token exchange failed', { error: { message: (err as Error).message }, url: { full: audience } });
        throw new PlatformError('ERR_IDP_UNAVAILABLE', 'The identity provider is unreachable; try again later.', { cause: err });
      }
    },
  };
}
