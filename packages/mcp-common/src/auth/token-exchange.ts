import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import type { Logger } from '../logging/index.ts';
import { IdentityProviderUnavailableError, TokenExchangeError } from './errors.ts';
import { tokenFingerprint } from './token-fingerprint.ts';

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** Options of {@link createTokenExchanger}. */
export interface TokenExchangerOptions {
  /** Issuer identifier; its discovery document names the token endpoint. `http:` only for loopback. */
  issuer: string;
  /** The exchanging service's confidential client (it must own the audience of the subject tokens). */
  clientId: string;
  clientSecret: string;
  /** Reuse a token until this many seconds before its `exp`. Default 30. */
  earlyExpirySeconds?: number;
  /** Most cached tokens kept (least recently used dropped first). Default 10000. */
  maxEntries?: number;
  /** Timeout of discovery and each exchange, in seconds. Default 5. */
  timeoutSeconds?: number;
  /**
   * The `scope` to request for an audience, when the IdP selects audiences by scope
   * (Keycloak: the audience client scope, e.g. `mcp:tools mcp-network`). Default: none (RFC 8707 `resource` only).
   */
  scopeFor?: (audience: string) => string | undefined;
  /** Clock, in ms since the epoch (tests). Default `Date.now`. */
  now?: () => number;
  logger?: Logger;
}

/** Obtains tokens for MCP servers on behalf of the caller (RFC 8693). */
export interface TokenExchanger {
  /**
   * A token for `audience` whose subject is the subject of `subjectToken`.
   * Cached per (SHA-256 of the subject token, audience) until shortly before expiry.
   * @throws TokenExchangeError (`ERR_TOKEN_EXCHANGE`) when the IdP refuses to delegate the subject token;
   *   IdentityProviderUnavailableError (`ERR_IDP_UNAVAILABLE`) when it cannot be reached.
   */
  exchange(subjectToken: string, audience: string): Promise<string>;
  /** Number of exchanges made against the IdP so far (cache misses). */
  readonly exchanges: number;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * `scopeFor` of {@link createTokenExchanger} for a set of named backends: the scope configured for the
 * backend whose URL is the audience (`TOKEN_EXCHANGE_SCOPES`, e.g. Keycloak's `mcp:tools mcp-network`),
 * none for an unknown audience. Shared by the REST proxy and the MCP gateway.
 *
 * @example
 * ```ts
 * createTokenExchanger({ issuer, clientId, clientSecret, scopeFor: backendScopeFor(config.backends, config.exchangeScopes) });
 * ```
 */
export function backendScopeFor(backends: Readonly<Record<string, string>>, scopes: Readonly<Record<string, string>>): (audience: string) => string | undefined {
  return (audience) => {
    const name = Object.entries(backends).find(([, url]) => url === audience)?.[0];
    return name === undefined ? undefined : scopes[name];
  };
}

/**
 * RFC 8693 token exchange — the one implementation the REST proxy and the MCP
 * gateway share (a caller's token is never forwarded, only exchanged). Token exchange at the IdP's token endpoint with `openid-client`
 * (`genericGrantRequest`), client secret basic authentication, and a cache
 * so that a caller's repeated calls to one backend cost one exchange per token lifetime.
 *
 * @example
 * ```ts
 * const exchanger = createTokenExchanger({ issuer, clientId: 'mcp-gateway', clientSecret });
 * const token = await exchanger.exchange(callerToken, 'http://127.0.0.1:8101/mcp');
 * ```
 */
export function createTokenExchanger(options: TokenExchangerOptions): TokenExchanger {
  const issuer = new URL(options.issuer);
  const early = (options.earlyExpirySeconds ?? 30) * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const timeout = options.timeoutSeconds ?? 5;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
  // Exchanged tokens (lru-cache): at most maxEntries, each until earlyExpirySeconds before its own expiry.
  const cache = new LRUCache<string, string>({ max: maxEntries, ttlResolution: 0, perf: { now } });
  const inflight = new Map<string, Promise<string>>();
  let discovered: Promise<oidc.Configuration> | undefined;
  let exchanges = 0;

  const configuration = (): Promise<oidc.Configuration> =>
    (discovered ??= oidc
      .discovery(issuer, options.clientId, undefined, oidc.ClientSecretBasic(options.clientSecret), {
        execute: issuer.protocol === 'http:' && isLoopback(issuer) ? [oidc.allowInsecureRequests] : [],
        timeout,
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      }));

  async function fetchToken(subjectToken: string, audience: string, key: string): Promise<string> {
    let response: oidc.TokenEndpointResponse;
    const scope = options.scopeFor?.(audience);
    try {
      const config = await configuration();
      response = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, {
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        requested_token_type: ACCESS_TOKEN_TYPE,
        resource: audience,
        ...(scope ? { scope } : {}),
      });
    } catch (err) {
      // An OAuth error answer (invalid_grant, invalid_target…, or invalid_client with a 401 challenge when
      // this service's own client credentials are wrong) is a refusal; anything else means the IdP is not there.
      if (err instanceof oidc.ResponseBodyError || err instanceof oidc.WWWAuthenticateChallengeError) {
        const code = err instanceof oidc.ResponseBodyError ? err.error : (err.cause[0]?.parameters.error ?? 'invalid_client');
        options.logger?.warn('token exchange refused', { error: { code }, url: { full: audience } });
        throw new TokenExchangeError(audience, { cause: err });
      }
      options.logger?.warn('token exchange failed', { error: err, url: { full: audience } });
      throw new IdentityProviderUnavailableError('The identity provider is unreachable; try again later.', { cause: err });
    }
    exchanges += 1;
    const lifetimeMs = (response.expires_in ?? 60) * 1000;
    const ttl = Math.floor(lifetimeMs - early);
    // lru-cache reads ttl 0 as "forever": a token that is already inside its early-expiry window is not cached.
    if (ttl >= 1) cache.set(key, response.access_token, { ttl });
    return response.access_token;
  }

  return {
    get exchanges() {
      return exchanges;
    },
    async exchange(subjectToken, audience) {
      const key = `${tokenFingerprint(subjectToken)} ${audience}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      let pending = inflight.get(key);
      if (!pending) {
        pending = fetchToken(subjectToken, audience, key).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return pending;
    },
  };
}
