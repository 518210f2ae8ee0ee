import * as oidc from 'openid-client';
import type { Credential } from '@mcp-platform/deployment-contract';

/** The dev IdP's DEV ONLY password grant (packages/sandboxes/src/idp): no real IdP speaks it. */
const DEV_PASSWORD_GRANT = 'urn:mcp-platform:params:oauth:grant-type:dev-password';

/** Options of {@link login}. */
export interface LoginOptions {
  issuer: string;
  clientId: string;
  /** `device` (RFC 8628), `password` (RFC 6749 §4.3) or `dev-password` (dev IdP only). */
  grant: 'device' | 'password' | 'dev-password';
  /** The worker's resource identifier (RFC 8707 `resource`; Keycloak maps the audience by client scope). */
  audience: string;
  /** Scopes to request. Default `mcp:tools`. */
  scope?: string;
  username?: string;
  password?: string;
  /** Shows the device grant's verification URL and user code to the operator. */
  notify?: (message: string) => void;
  /** Timeout of each IdP request, in seconds. Default 10. */
  timeoutSeconds?: number;
}

/** Thrown when the IdP refuses the login (wrong password, denied device authorization…); never carries the password. */
export class LoginError extends Error {
  readonly code = 'ERR_LOGIN' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * Logs the operator in at the IdP and returns a fresh access token for the deploy worker — the
 * credential of one CLI action (the worker accepts each credential once).
 *
 * @example
 * ```ts
 * const credential = await login({ issuer, clientId: 'deploy-cli', grant: 'device', audience: 'urn:mcp-platform:deploy-worker', notify: (m) => process.stderr.write(m) });
 * ```
 */
export async function login(options: LoginOptions): Promise<Credential> {
  const issuer = new URL(options.issuer);
  const timeout = options.timeoutSeconds ?? 10;
  const scope = options.scope ?? 'mcp:tools';
  const execute = issuer.protocol === 'http:' && isLoopback(issuer) ? [oidc.allowInsecureRequests] : [];
  const config = await oidc.discovery(issuer, options.clientId, undefined, oidc.None(), { execute, timeout }).catch((err: unknown) => {
    throw new LoginError(`the identity provider ${issuer.origin} is unreachable`, { cause: err });
  });
  try {
    if (options.grant === 'device') {
      const started = await oidc.initiateDeviceAuthorization(config, { scope, resource: options.audience });
      options.notify?.(`To sign in, open ${started.verification_uri_complete ?? started.verification_uri} and enter the code ${started.user_code}\n`);
      const tokens = await oidc.pollDeviceAuthorizationGrant(config, started);
      return tokens.access_token;
    }
    if (options.username === undefined || options.password === undefined) {
      throw new TypeError(`the ${options.grant} grant needs a user (--user or DEPLOY_USER) and a password (DEPLOY_PASSWORD or DEPLOY_PASSWORD_FILE)`);
    }
    const tokens = await oidc.genericGrantRequest(config, options.grant === 'password' ? 'password' : DEV_PASSWORD_GRANT, {
      username: options.username,
      password: options.password,
      scope,
      resource: options.audience,
    });
    return tokens.access_token;
  } catch (err) {
    if (err instanceof TypeError) throw err;
    if (err instanceof oidc.ResponseBodyError) throw new LoginError(`login refused by the identity provider (${err.error})`, { cause: err });
    throw new LoginError('login failed: the identity provider could not be reached', { cause: err });
  }
}
