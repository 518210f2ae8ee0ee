import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import * as oidc from 'openid-client';
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { platformErrorOf } from '../errors/base.ts';
import type { Logger } from '../logging/types.ts';
import { IdentityProviderUnavailableError, InsufficientScopeError, TokenError, type AuthError, type AuthFailureReason } from './errors.ts';
import { LRUCache } from 'lru-cache';
import { authenticationFromClaims, type Principal } from './principal.ts';
import { tokenFingerprint } from './token-fingerprint.ts';

/** RFC 7662 introspection settings, for opaque (non-JWT) access tokens. */
export interface IntrospectionOptions {
  /** Introspection endpoint. Default: `introspection_endpoint` from the issuer's discovery document. */
  endpoint?: string | URL;
  /** Client id this resource server authenticates with (HTTP Basic). */
  clientId: string;
  clientSecret: string;
  /** How long an active introspection result is reused, in milliseconds (never past the token's `exp`). Default `30000`. */
  cacheTtlMs?: number;
  /**
   * Also introspect JWTs after their signature and claims checked out, so a token the issuer
   * revoked — or whose user was disabled — is refused within `cacheTtlMs` instead of at its `exp`.
   * Default `false` (JWTs are checked locally only).
   */
  jwt?: boolean;
}

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  /** Issuer identifier; its `/.well-known/openid-configuration` is discovered. `http:` is allowed for loopback hosts only. */
  issuer: string | URL;
  /** This server's resource identifier, required in the token `aud` (RFC 8707), e.g. `http://127.0.0.1:8101/mcp`. */
  audience: string;
  /** Scopes every token must carry; a token lacking one is answered `403 insufficient_scope`. Default `[]`. */
  requiredScopes?: readonly string[];
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds. Default `30`. */
  clockSkewSeconds?: number;
  /** Accepted JWS algorithms. Default `['RS256', 'PS256', 'ES256', 'EdDSA']`; `none` and `HS*` are refused. */
  algorithms?: readonly string[];
  /** Dot path of the groups claim: `groups` (default), `realm_access.roles` (Keycloak), `roles` (Entra). */
  groupsClaim?: string;
  /** Minimum time between two JWKS refetches triggered by an unknown `kid`, in milliseconds. Default `30000`. */
  jwksRefreshMinIntervalMs?: number;
  /** Maximum age of the cached JWKS before it is refetched, in milliseconds. Default `600000`. */
  jwksCacheMaxAgeMs?: number;
  /** Opaque-token support (RFC 7662). Default: none — non-JWT tokens are refused. */
  introspection?: IntrospectionOptions;
  /** Timeout of each call to the identity provider (discovery, JWKS, introspection), in milliseconds. Default `5000`. */
  discoveryTimeoutMs?: number;
  /**
   * How long one answer of the identity provider to the readiness probe ({@link TokenVerifier.ready}) is
   * reused, in milliseconds, so a flood of `/readyz` calls asks the IdP at most once per window. Default `5000`.
   */
  readinessCacheMs?: number;
  /**
   * How long the readiness probe waits for the IdP's key set when this verifier holds a fresh one, in
   * milliseconds. Default `1000`: below the 2 s bound of each `/readyz` check, so a hung IdP reads as
   * `'degraded'` (keys held) instead of as a check that outlasted its bound.
   */
  readinessTimeoutMs?: number;
  /** Maximum number of verified tokens kept in memory (LRU, each until its expiry). Default `10000`; `0` disables the cache. */
  cacheMaxEntries?: number;
  /** Receives one debug line per rejected token (reason code and a token fingerprint, never the token). */
  logger?: Logger;
  /** Clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** An SDK {@link OAuthTokenVerifier} with the settings it enforces and a readiness probe. */
export interface TokenVerifier extends OAuthTokenVerifier {
  readonly issuer: string;
  readonly audience: string;
  readonly requiredScopes: readonly string[];
  /**
   * Verifies a bearer token. Rejects with the SDK's `OAuthError`
   * (`invalid_token`, `insufficient_scope`, or `server_error` when the IdP is
   * unreachable) whose `cause` is the typed {@link AuthError}.
   */
  verifyAccessToken(token: string): Promise<AuthInfo>;
  /**
   * Readiness probe; it asks the identity provider itself (its key set, within `readinessTimeoutMs` —
   * `discoveryTimeoutMs` while no fresh key set is held), at most once per `readinessCacheMs`, and never rejects:
   * - `true`: the IdP answered.
   * - `'degraded'`: the IdP does not answer (a warn line), but this verifier holds a key set fetched less
   *   than `jwksCacheMaxAgeMs` ago — tokens signed with those keys still verify, verified tokens stay
   *   cached until expiry; an opaque token, an unknown `kid` or a key set past its age fails with
   *   `ERR_IDP_UNAVAILABLE`.
   * - `false`: the IdP does not answer and no usable key set is held: no token seen for the first time verifies.
   */
  ready(): Promise<IdentityProviderReadiness>;
}

/** The answer of {@link TokenVerifier.ready}: the IdP answers (`true`), serves from held keys only (`'degraded'`), or neither (`false`). */
export type IdentityProviderReadiness = boolean | 'degraded';

const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

interface Discovered {
  jwks: JWTVerifyGetKey & { reload(): Promise<void>; readonly fresh: boolean };
  jwksUri: URL;
  introspection?: oidc.Configuration;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function readPath(payload: Record<string, unknown>, path: string): unknown {
  let current: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function mapJoseError(err: unknown): AuthError {
  if (err instanceof IdentityProviderUnavailableError || err instanceof TokenError) return err;
  if (err instanceof joseErrors.JWTExpired) return new TokenError('ERR_TOKEN_EXPIRED', 'The access token has expired', { cause: err });
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new TokenError('ERR_TOKEN_ISSUER', 'The access token was issued by an untrusted issuer', { cause: err });
    if (err.claim === 'aud') return new TokenError('ERR_TOKEN_AUDIENCE', 'The access token was not issued for this resource', { cause: err });
    if (err.claim === 'nbf') return new TokenError('ERR_TOKEN_NOT_YET_VALID', 'The access token is not valid yet', { cause: err });
    return new TokenError('ERR_TOKEN_INVALID', 'The access token is invalid', { cause: err });
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new TokenError('ERR_TOKEN_SIGNATURE', 'The access token signature is invalid', { cause: err });
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new TokenError('ERR_TOKEN_ALGORITHM', 'The access token algorithm is not accepted', { cause: err });
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new TokenError('ERR_TOKEN_KEY_UNKNOWN', 'The access token was signed with an unknown key', { cause: err });
  }
  return new TokenError('ERR_TOKEN_INVALID', 'The access token is invalid', { cause: err });
}

/**
 * Converts a typed auth failure into the SDK's `OAuthError` (so its bearer
 * middleware answers 401/403 with the right challenge), keeping the typed error as `cause`.
 */
function toOAuthError(err: AuthError): OAuthError {
  let oauth: OAuthError;
  if (err instanceof InsufficientScopeError) oauth = new OAuthError(OAuthErrorCode.InsufficientScope, err.message);
  else if (err instanceof IdentityProviderUnavailableError) oauth = new OAuthError(OAuthErrorCode.ServerError, err.message);
  else oauth = new OAuthError(OAuthErrorCode.InvalidToken, err.message);
  oauth.cause = err;
  return oauth;
}

/**
 * The typed reason behind a verifier/middleware failure: the `cause` of an
 * `OAuthError` thrown by {@link createTokenVerifier}, or the error itself.
 *
 * @example
 * ```ts
 * try { await verifier.verifyAccessToken(token); }
 * catch (err) { metrics.authFailures.inc({ reason: authFailureReason(err) ?? 'unknown' }); }
 * ```
 */
export function authFailureReason(err: unknown): AuthFailureReason | undefined {
  const candidate = platformErrorOf(err);
  if (candidate instanceof TokenError || candidate instanceof InsufficientScopeError || candidate instanceof IdentityProviderUnavailableError) {
    return candidate.code;
  }
  return undefined;
}

/**
 * Creates the resource-server token verifier: JWT access tokens are checked
 * against the issuer's JWKS (discovered via `openid-client`, cached, refetched
 * on an unknown `kid` at most every `jwksRefreshMinIntervalMs`); opaque tokens
 * go to RFC 7662 introspection when configured. `iss`, `aud`, `exp`/`nbf`/`iat`
 * (with skew), the algorithm allow-list and required scopes are enforced.
 * Verified tokens are cached until expiry, keyed by a SHA-256 of the token.
 *
 * @example
 * ```ts
 * const verifier = createTokenVerifier({
 *   issuer: 'http://127.0.0.1:9400',
 *   audience: 'http://127.0.0.1:8101/mcp',
 *   requiredScopes: ['mcp:tools'],
 * });
 * const authInfo = await verifier.verifyAccessToken(token);
 * const principal = principalFromAuthInfo(authInfo); // { id: 'nina', groups: ['network-engineers'], … }
 * ```
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const issuerUrl = new URL(options.issuer);
  if (issuerUrl.protocol !== 'https:' && !(issuerUrl.protocol === 'http:' && isLoopback(issuerUrl.hostname))) {
    throw new TypeError('issuer must be an https URL (http is allowed for loopback hosts only)');
  }
  const issuer = typeof options.issuer === 'string' ? options.issuer : options.issuer.href;
  const { audience, groupsClaim = 'groups', introspection, logger } = options;
  if (typeof audience !== 'string' || audience === '') throw new TypeError('audience must be a non-empty string');
  const requiredScopes = [...(options.requiredScopes ?? [])];
  const clockSkewSeconds = options.clockSkewSeconds ?? 30;
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  if (algorithms.length === 0 || algorithms.some((alg) => alg === 'none' || alg.startsWith('HS'))) {
    throw new TypeError('algorithms must be a non-empty list of asymmetric JWS algorithms');
  }
  const timeoutMs = options.discoveryTimeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  const readinessCacheMs = options.readinessCacheMs ?? 5000;
  if (!Number.isFinite(readinessCacheMs) || readinessCacheMs < 0) throw new TypeError('readinessCacheMs must be a non-negative number of milliseconds');
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 1000;
  if (!Number.isFinite(readinessTimeoutMs) || readinessTimeoutMs <= 0) throw new TypeError('readinessTimeoutMs must be a positive number of milliseconds');
  const introspectionCacheTtlMs = introspection?.cacheTtlMs ?? 30_000;
  const cacheMaxEntries = options.cacheMaxEntries ?? 10_000;
  if (!Number.isInteger(cacheMaxEntries) || cacheMaxEntries < 0) throw new TypeError('cacheMaxEntries must be a non-negative integer');
  // Verified tokens (lru-cache): at most cacheMaxEntries, each for its own TTL — until the token's
  // expiry, or the introspection TTL when the issuer must be asked again. `0` entries: no cache.
  const cache = cacheMaxEntries === 0 ? undefined : new LRUCache<string, AuthInfo>({ max: cacheMaxEntries, ttlResolution: 0, perf: { now } });
  const insecure = issuerUrl.protocol === 'http:';

  let discovering: Promise<Discovered> | undefined;
  // The settled discovery, for the readiness probe's "are keys held?" (which must not start a discovery).
  let discovered: Discovered | undefined;
  const discover = (): Promise<Discovered> => {
    discovering ??= (async (): Promise<Discovered> => {
      const execute = insecure ? [oidc.allowInsecureRequests] : [];
      const timeout = Math.max(1, Math.ceil(timeoutMs / 1000));
      let config: oidc.Configuration;
      try {
        config = introspection === undefined
          ? await oidc.discovery(issuerUrl, 'resource-server', undefined, oidc.None(), { execute, timeout })
          : await oidc.discovery(issuerUrl, introspection.clientId, undefined, oidc.ClientSecretBasic(introspection.clientSecret), { execute, timeout });
      } catch (err) {
        throw new IdentityProviderUnavailableError('OpenID discovery failed', { cause: err });
      }
      const metadata = config.serverMetadata();
      if (typeof metadata.jwks_uri !== 'string') throw new IdentityProviderUnavailableError('The issuer publishes no jwks_uri');
      const jwksUri = new URL(metadata.jwks_uri);
      const remote = createRemoteJWKSet(jwksUri, {
        cooldownDuration: options.jwksRefreshMinIntervalMs ?? 30_000,
        cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
        timeoutDuration: timeoutMs,
      });
      const getKey = async (...args: Parameters<JWTVerifyGetKey>) => {
        try {
          return await remote(...args);
        } catch (err) {
          if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) throw err;
          throw new IdentityProviderUnavailableError('The issuer JWKS could not be fetched', { cause: err });
        }
      };
      // `fresh` must stay live (Object.assign would copy a getter's value once).
      const jwks = Object.defineProperties(getKey, {
        reload: { value: () => remote.reload() },
        fresh: { get: () => remote.fresh },
      }) as Discovered['jwks'];
      let introspectionConfig: oidc.Configuration | undefined;
      if (introspection !== undefined) {
        const endpoint = introspection.endpoint === undefined ? metadata.introspection_endpoint : new URL(introspection.endpoint).href;
        if (endpoint === undefined) throw new IdentityProviderUnavailableError('The issuer publishes no introspection_endpoint');
        introspectionConfig = new oidc.Configuration({ issuer: metadata.issuer, introspection_endpoint: endpoint }, introspection.clientId, undefined, oidc.ClientSecretBasic(introspection.clientSecret));
        introspectionConfig.timeout = timeout;
        if (insecure) oidc.allowInsecureRequests(introspectionConfig);
      }
      discovered = introspectionConfig === undefined ? { jwks, jwksUri } : { jwks, jwksUri, introspection: introspectionConfig };
      return discovered;
    })();
    // A failed discovery is retried by the next request instead of being cached.
    discovering.catch(() => {
      discovering = undefined;
    });
    return discovering;
  };

  const buildAuthInfo = (token: string, payload: Record<string, unknown>, expiresAt: number): AuthInfo => {
    const scopes = stringList(payload['scope'] ?? payload['scp']);
    const clientId = [payload['client_id'], payload['azp'], payload['appid']].find((v): v is string => typeof v === 'string') ?? '';
    const sub = payload['sub'];
    if (typeof sub !== 'string' || sub === '') throw new TokenError('ERR_TOKEN_INVALID', 'The access token has no subject');
    const act = payload['act'];
    const actorId = typeof act === 'object' && act !== null && typeof (act as Record<string, unknown>)['sub'] === 'string' ? ((act as Record<string, unknown>)['sub'] as string) : undefined;
    const authentication = authenticationFromClaims(payload);
    const principal: Principal = {
      id: sub,
      groups: stringList(readPath(payload, groupsClaim)),
      scopes,
      clientId,
      ...(actorId === undefined ? {} : { actorId }),
      ...(authentication === undefined ? {} : { authentication }),
    };
    const authInfo: AuthInfo = { token, clientId, scopes, expiresAt, extra: { principal } };
    if (URL.canParse(audience)) authInfo.resource = new URL(audience);
    return authInfo;
  };

  const checkIssuedAt = (iat: unknown): void => {
    if (typeof iat === 'number' && iat > now() / 1000 + clockSkewSeconds) {
      throw new TokenError('ERR_TOKEN_NOT_YET_VALID', 'The access token is not valid yet');
    }
  };

  const verifyJwt = async (token: string): Promise<AuthInfo> => {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (err) {
      throw new TokenError('ERR_TOKEN_INVALID', 'The access token is malformed', { cause: err });
    }
    if (typeof alg !== 'string' || !algorithms.includes(alg)) {
      throw new TokenError('ERR_TOKEN_ALGORITHM', 'The access token algorithm is not accepted');
    }
    const { jwks } = await discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer,
        audience,
        algorithms,
        clockTolerance: clockSkewSeconds,
        currentDate: new Date(now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw mapJoseError(err);
    }
    checkIssuedAt(payload.iat);
    return buildAuthInfo(token, payload, payload.exp!);
  };

  const introspect = async (token: string): Promise<AuthInfo> => {
    const discovered = await discover();
    if (discovered.introspection === undefined) throw new IdentityProviderUnavailableError('Introspection is not configured');
    let response: Record<string, unknown>;
    try {
      response = (await oidc.tokenIntrospection(discovered.introspection, token, { token_type_hint: 'access_token' })) as Record<string, unknown>;
    } catch (err) {
      throw new IdentityProviderUnavailableError('Token introspection failed', { cause: err });
    }
    if (response['active'] !== true) throw new TokenError('ERR_TOKEN_INVALID', 'The access token is not active');
    const nowSeconds = now() / 1000;
    const exp = response['exp'];
    if (typeof exp !== 'number') throw new TokenError('ERR_TOKEN_INVALID', 'The access token has no expiry');
    if (exp <= nowSeconds - clockSkewSeconds) throw new TokenError('ERR_TOKEN_EXPIRED', 'The access token has expired');
    const nbf = response['nbf'];
    if (typeof nbf === 'number' && nbf > nowSeconds + clockSkewSeconds) throw new TokenError('ERR_TOKEN_NOT_YET_VALID', 'The access token is not valid yet');
    checkIssuedAt(response['iat']);
    if (response['iss'] !== undefined && response['iss'] !== issuer) throw new TokenError('ERR_TOKEN_ISSUER', 'The access token was issued by an untrusted issuer');
    if (!stringList(response['aud']).includes(audience)) throw new TokenError('ERR_TOKEN_AUDIENCE', 'The access token was not issued for this resource');
    return buildAuthInfo(token, response, exp);
  };

  // Does the IdP answer? Asked at most once per readinessCacheMs (concurrent probes share one request).
  let probing: Promise<boolean> | undefined;
  let lastAnswer: { ok: boolean; until: number } | undefined;
  const askIdentityProvider = async (): Promise<boolean> => {
    try {
      const { jwks, jwksUri } = await discover();
      // A stale key set is refreshed through jose (the verifier needs it anyway). A fresh one is not:
      // reloading it on every probe would keep the unknown-kid refresh permanently in its cool-down —
      // the key set's URL is asked directly instead, so a fresh cache cannot hide an outage.
      if (!jwks.fresh) {
        await jwks.reload();
        return true;
      }
      const res = await fetch(jwksUri, { signal: AbortSignal.timeout(readinessTimeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) {
        await res.body?.cancel();
        throw new IdentityProviderUnavailableError(`The issuer JWKS answered ${res.status}`);
      }
      const body: unknown = await res.json();
      if (typeof body === 'object' && body !== null && Array.isArray((body as { keys?: unknown }).keys)) return true;
      throw new IdentityProviderUnavailableError('The issuer JWKS answered without a key set');
    } catch (err) {
      const reason = err instanceof IdentityProviderUnavailableError ? err.message : 'The issuer JWKS could not be fetched';
      logger?.warn('identity provider not ready', { event: { action: 'idp-readiness', outcome: 'failure', reason } });
      return false;
    }
  };
  const identityProviderAnswers = (): Promise<boolean> => {
    if (probing !== undefined) return probing;
    if (lastAnswer !== undefined && now() < lastAnswer.until) return Promise.resolve(lastAnswer.ok);
    probing = askIdentityProvider().then((ok) => {
      lastAnswer = { ok, until: now() + readinessCacheMs };
      probing = undefined;
      return ok;
    });
    return probing;
  };

  const verifier: TokenVerifier = {
    issuer,
    audience,
    requiredScopes,
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const key = tokenFingerprint(token);
      try {
        let authInfo = cache?.get(key);
        if (authInfo === undefined) {
          const jwt = JWT_SHAPE.test(token);
          if (jwt) {
            authInfo = await verifyJwt(token);
            // Still active at the issuer (not revoked, user not disabled)? Only the issuer knows.
            if (introspection?.jwt === true) await introspect(token);
          } else if (introspection !== undefined) authInfo = await introspect(token);
          else throw new TokenError('ERR_TOKEN_INVALID', 'The access token is not a JWT');
          const untilMs = authInfo.expiresAt! * 1000;
          const ttl = Math.floor((jwt && introspection?.jwt !== true ? untilMs : Math.min(untilMs, now() + introspectionCacheTtlMs)) - now());
          // lru-cache reads ttl 0 as "forever": a token about to expire is not cached at all.
          if (ttl >= 1) cache?.set(key, authInfo, { ttl });
        }
        if (!requiredScopes.every((scope) => authInfo.scopes.includes(scope))) throw new InsufficientScopeError(requiredScopes);
        return authInfo;
      } catch (err) {
        const typed: AuthError = err instanceof TokenError || err instanceof InsufficientScopeError || err instanceof IdentityProviderUnavailableError
          ? err
          : new TokenError('ERR_TOKEN_INVALID', 'The access token is invalid', { cause: err });
        const level = typed instanceof IdentityProviderUnavailableError ? 'warn' : 'debug';
        logger?.[level]('access token rejected', {
          event: { action: 'token-verify', outcome: 'failure', reason: typed.code },
          token: { fingerprint: key.slice(0, 12) },
        });
        throw toOAuthError(typed);
      }
    },
    async ready(): Promise<IdentityProviderReadiness> {
      if (await identityProviderAnswers()) return true;
      return discovered?.jwks.fresh === true ? 'degraded' : false;
    },
  };
  return verifier;
}
