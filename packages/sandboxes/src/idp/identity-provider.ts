import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC, type ResourceServer, type TokenEndpointGrantContext } from 'oidc-provider';
import { createOtpReplayGuard, type OtpReplayGuard, devOtp, devOtpStep } from './otp.ts';
import {
  DEV_PASSWORD_GRANT,
  RESOURCE_SCOPES,
  SEED_CLIENTS,
  SEED_RESOURCE_SERVERS,
  SEED_USERS,
  TOKEN_EXCHANGE_GRANT,
  type AcrValue,
  type SeedClient,
  type SeedResourceServer,
  type SeedUser,
} from './seed.ts';
import { silentLogger, type SandboxLogger } from '../internal/logger.ts';

/** Structured logger the IdP writes to (structurally a subset of mcp-common's `Logger`). */
export type IdpLogger = SandboxLogger;

/** Options of {@link startIdentityProvider}. */
export interface IdentityProviderOptions {
  /** TCP port; `0` picks a free one. Default `9400`. */
  port?: number;
  /** Listen address. Default `'127.0.0.1'`. */
  host?: string;
  /** Issuer identifier. Default `http://<host>:<bound port>`. */
  issuer?: string;
  /** Lifetime of access tokens in seconds. Default `900`. */
  accessTokenTtlSeconds?: number;
  /** Resource servers tokens may be issued for. Default {@link SEED_RESOURCE_SERVERS}. */
  resourceServers?: readonly SeedResourceServer[];
  /** JWS algorithm of JWT access tokens. Default `'RS256'`. */
  signingAlg?: 'RS256' | 'ES256';
  logger?: IdpLogger;
}

/** Options of {@link RunningIdentityProvider.issueToken}. */
export interface IssueTokenOptions {
  /** Seeded username (`alice`, `nina`, …). */
  user: string;
  /** Resource identifier the token is for (its `aud`). */
  audience: string;
  /** Requested scopes. Default `['mcp:tools']`. */
  scopes?: readonly string[];
  /** Token lifetime in seconds (dev-only override). Default: the IdP's `accessTokenTtlSeconds`. */
  ttlSeconds?: number;
  /**
   * Authentication level of the token: `pwd` (password only, the default) or `mfa` (the user's current
   * one-time code is sent along, from the seed's DEV ONLY OTP secret; as the IdP's own request it does
   * not spend the code, so tests may ask for many step-up tokens in a row).
   */
  acr?: AcrValue;
}

/** A running development identity provider. */
export interface RunningIdentityProvider {
  /** The issuer identifier (`iss` of every token). */
  readonly issuer: string;
  /** Base URL the HTTP server listens on. */
  readonly url: string;
  /** `kid` of the key currently signing tokens. */
  readonly currentKid: string;
  readonly users: readonly SeedUser[];
  readonly clients: readonly SeedClient[];
  readonly resourceServers: readonly SeedResourceServer[];
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
  /**
   * Signs new tokens with a fresh key (new `kid`) without closing the port.
   * The previous public key stays in the JWKS (exactly one previous key) so
   * tokens already issued keep verifying until they expire; older keys are dropped.
   */
  rotateKeys(): Promise<void>;
  /** Obtains an access token for a seeded user through the real token endpoint (dev-password grant). */
  issueToken(options: IssueTokenOptions): Promise<string>;
}

type PrivateJwk = JWK & { kid: string };

const DEV_CLI_CLIENT_ID = 'mcp-dev-cli';
const MAX_DEV_TTL_SECONDS = 86_400;
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';


async function generateSigningKey(alg: 'RS256' | 'ES256'): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `dev-${alg.toLowerCase()}-${randomUUID()}`, alg, use: 'sig' };
}

function toClientMetadata(client: SeedClient): ClientMetadata {
  const metadata: ClientMetadata = {
    client_id: client.clientId,
    grant_types: [...client.grantTypes],
    redirect_uris: [...client.redirectUris],
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: client.devSecret === undefined ? 'none' : 'client_secret_basic',
  };
  if (client.devSecret !== undefined) metadata.client_secret = client.devSecret;
  if (client.grantTypes.includes('authorization_code')) metadata.application_type = 'native';
  return metadata;
}

/** Grants a dynamically registered client may ask for: interactive login only. */
const DCR_GRANTS = new Set(['authorization_code', 'refresh_token']);

/** A redirect URI a dynamically registered (public, native or browser) MCP client may use: loopback http or https. */
function acceptableRedirect(uri: unknown): boolean {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return false;
  const u = new URL(uri);
  return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
}

/**
 * The dev IdP's RFC 7591 registration policy, run by oidc-provider for every client it builds
 * (its `extraClientMetadata.validator`, once per extra property — here `software_id`). Seeded
 * clients pass through; a client registered at `/reg` must be what MCP clients (the MCP Inspector,
 * Claude, VS Code) register: public (`token_endpoint_auth_method: none`, so PKCE), authorization
 * code (+ refresh) only, loopback-http or https redirect URIs. Anything else — a confidential
 * client, client credentials, token exchange, the dev-password grant — is `invalid_client_metadata`.
 */
function registrationPolicy(ctx: KoaContextWithOIDC | undefined, key: string, _value: unknown, metadata: ClientMetadata): void {
  if (key !== 'software_id' || ctx?.oidc?.route !== 'registration') return;
  if ((metadata.token_endpoint_auth_method ?? 'client_secret_basic') !== 'none') {
    throw new errors.InvalidClientMetadata('only public clients may register here: token_endpoint_auth_method must be "none" (PKCE)');
  }
  const grants = metadata.grant_types ?? ['authorization_code'];
  if (grants.some((g) => !DCR_GRANTS.has(g))) throw new errors.InvalidClientMetadata('grant_types may only be authorization_code and refresh_token');
  const redirects = metadata.redirect_uris ?? [];
  if (redirects.length === 0 || !redirects.every(acceptableRedirect)) {
    throw new errors.InvalidClientMetadata('redirect_uris must be loopback http (127.0.0.1, localhost, [::1]) or https URLs');
  }
}

function publicJwk({ kid, kty, n, e, crv, x, y, alg, use }: PrivateJwk): JWK {
  return JSON.parse(JSON.stringify({ kid, kty, n, e, crv, x, y, alg, use })) as JWK;
}

function parseScopes(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
}

/** Everything one Provider instance is built from; a key rotation builds a new instance. */
interface ProviderInputs {
  issuer: string;
  keys: PrivateJwk[];
  cookieKeys: string[];
  accessTokenTtlSeconds: number;
  resourceServers: readonly SeedResourceServer[];
  signingAlg: 'RS256' | 'ES256';
  logger: IdpLogger;
  /** Used one-time codes; outlives a provider rebuilt by a key rotation. */
  otpReplay: OtpReplayGuard;
  /** Random per instance, never leaves the process: marks `issueToken`'s own requests, whose codes are not spent. */
  issueKey: string;
}

/** The dev-password grant parameter carrying {@link ProviderInputs.issueKey}. */
const ISSUE_KEY_PARAM = 'dev_issue_key';

function buildProvider(inputs: ProviderInputs): Provider {
  const { issuer, keys, accessTokenTtlSeconds, resourceServers, signingAlg, logger, otpReplay } = inputs;
  const currentKid = keys[0]!.kid;
  const usersById = new Map(SEED_USERS.map((u) => [u.username, u]));
  /** True when the request carries this instance's issue key ({@link RunningIdentityProvider.issueToken}); a wrong one is refused. */
  const ownIssue = (params: Record<string, unknown>): boolean => {
    const given = params[ISSUE_KEY_PARAM];
    if (given === undefined) return false;
    const a = createHash('sha256').update(String(given)).digest();
    if (!timingSafeEqual(a, createHash('sha256').update(inputs.issueKey).digest())) throw new errors.InvalidGrant('invalid issue key');
    return true;
  };
  const clientsById = new Map(SEED_CLIENTS.map((c) => [c.clientId, c]));
  const resourcesByUrl = new Map(resourceServers.map((r) => [r.url, r]));

  const resourceServerInfo = (resource: string): ResourceServer => {
    const known = resourcesByUrl.get(resource);
    if (known === undefined) throw new errors.InvalidTarget();
    return {
      scope: RESOURCE_SCOPES.join(' '),
      audience: resource,
      accessTokenTTL: known.accessTokenTtlSeconds ?? accessTokenTtlSeconds,
      accessTokenFormat: known.accessTokenFormat ?? 'jwt',
      jwt: { sign: { alg: signingAlg, kid: currentKid } },
    };
  };

  const configuration: Configuration = {
    clients: SEED_CLIENTS.map(toClientMetadata),
    jwks: { keys },
    cookies: { keys: inputs.cookieKeys },
    scopes: ['openid', 'profile', 'email', 'offline_access', ...RESOURCE_SCOPES],
    claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
    findAccount(_ctx, sub) {
      const user = usersById.get(sub);
      if (user === undefined) return undefined; // only seeded users may sign in
      return {
        accountId: user.username,
        claims: () => ({ sub: user.username, name: user.name, email: user.email, groups: [...user.groups] }),
      };
    },
    extraTokenClaims(ctx, token) {
      const extra: Record<string, unknown> = {};
      if (token.kind === 'AccessToken') {
        extra['groups'] = [...(usersById.get(token.accountId)?.groups ?? [])];
      } else {
        extra['groups'] = [...(clientsById.get(token.clientId ?? '')?.groups ?? [])];
      }
      // Keycloak's shape too, so resource servers can be tested with `groupsClaim: 'realm_access.roles'`.
      extra['realm_access'] = { roles: extra['groups'] };
      const act = ctx.oidc.params === undefined ? undefined : actorClaims.get(ctx.oidc.params);
      if (act !== undefined) extra['act'] = act;
      // How the user authenticated (OIDC acr/amr/auth_time), for the step-up rules of the policy.
      const authentication = ctx.oidc.params === undefined ? undefined : authenticationClaims.get(ctx.oidc.params);
      if (authentication !== undefined && token.kind === 'AccessToken') Object.assign(extra, authentication);
      return extra;
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Only confidential clients (resource servers) may introspect.
        allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none',
      },
      revocation: { enabled: true },
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => resourceServerInfo(resource),
      },
    },
    // RFC 7591 dynamic client registration (the MCP authorization spec's way for a client to get a
    // client id by itself), open (no initial access token: DEV ONLY) but limited by registrationPolicy.
    extraClientMetadata: { properties: ['software_id', 'software_version'], validator: registrationPolicy },
    clientBasedCORS: () => true,
    ttl: {
      Session: 3600,
      Interaction: 600,
      Grant: 3600,
      IdToken: 3600,
      AuthorizationCode: 60,
      RefreshToken: 86_400,
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtlSeconds,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtlSeconds,
    },
  };

  const provider = new Provider(issuer, configuration);

  /** Issues a user access token for `resource` from a custom grant, backed by a real Grant record. */
  const mint = async (ctx: TokenEndpointGrantContext, accountId: string, resource: string, scopes: string[], ttlSeconds?: number): Promise<Record<string, unknown>> => {
    const info = resourceServerInfo(resource);
    const allowed = new Set(info.scope.split(' '));
    const scope = scopes.filter((s) => allowed.has(s)).join(' ');
    const grant = new provider.Grant({ accountId, clientId: ctx.oidc.client.clientId });
    if (scope !== '') grant.addResourceScope(resource, scope);
    const grantId = await grant.save();
    const token = new provider.AccessToken({
      accountId,
      client: ctx.oidc.client,
      grantId,
      gty: ctx.oidc.params.grant_type,
      scope: scope === '' ? undefined : scope,
      resourceServer: new provider.ResourceServer(resource, info),
      ...(ttlSeconds === undefined ? {} : { expiresIn: ttlSeconds }),
    });
    const value = await token.save();
    return { access_token: value, token_type: 'Bearer', expires_in: token.expiration, scope: scope === '' ? undefined : scope };
  };

  // An exchanged token whose subject is a machine client: a client-credentials token of that client
  // (its groups, `sub` = its id) for the new resource, with `act` naming the exchanging client.
  const mintForClient = async (ctx: TokenEndpointGrantContext, clientId: string, resource: string, scopes: string[]): Promise<Record<string, unknown>> => {
    const info = resourceServerInfo(resource);
    const allowed = new Set(info.scope.split(' '));
    const scope = scopes.filter((s) => allowed.has(s)).join(' ');
    const client = await provider.Client.find(clientId);
    if (client === undefined) throw new errors.InvalidGrant('subject client is unknown');
    const token = new provider.ClientCredentials({
      client,
      scope: scope === '' ? undefined : scope,
      resourceServer: new provider.ResourceServer(resource, info),
    });
    const value = await token.save();
    return { access_token: value, token_type: 'Bearer', expires_in: token.expiration, scope: scope === '' ? undefined : scope };
  };

  const singleResource = (ctx: TokenEndpointGrantContext): string => {
    const { resource } = ctx.oidc.params;
    if (typeof resource !== 'string' || resource === '') {
      throw new errors.InvalidTarget('exactly one resource indicator is required');
    }
    return resource;
  };

  // DEV ONLY: Resource Owner Password grant for seeded users, so `pnpm token` and tests need no browser.
  provider.registerGrantType(
    DEV_PASSWORD_GRANT,
    async (ctx) => {
      const { username, password, otp, ttl_seconds: ttlParam } = ctx.oidc.params as Record<string, unknown>;
      const user = typeof username === 'string' ? usersById.get(username) : undefined;
      if (user === undefined || password !== user.devPassword) {
        throw new errors.InvalidGrant('invalid credentials');
      }
      // A second factor, when sent, must be right and unused (a code works once, as on Keycloak): the token then says acr=mfa (level 2).
      if (otp !== undefined) {
        const step = devOtpStep(user.devOtpSecret, otp);
        if (step === undefined) throw new errors.InvalidGrant('invalid one-time code');
        if (!ownIssue(ctx.oidc.params) && !otpReplay.claim(user.username, step)) throw new errors.InvalidGrant('one-time code already used');
      }
      authenticationClaims.set(ctx.oidc.params, {
        acr: otp === undefined ? 'pwd' : 'mfa',
        amr: otp === undefined ? ['pwd'] : ['pwd', 'otp'],
        auth_time: Math.floor(Date.now() / 1000),
      });
      let ttlSeconds: number | undefined;
      if (ttlParam !== undefined) {
        ttlSeconds = Number(ttlParam);
        if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_DEV_TTL_SECONDS) {
          throw new errors.InvalidRequest('ttl_seconds must be an integer between 1 and 86400');
        }
      }
      const resource = singleResource(ctx);
      ctx.body = await mint(ctx, user.username, resource, parseScopes(ctx.oidc.params.scope), ttlSeconds);
    },
    ['username', 'password', 'otp', 'scope', 'resource', 'ttl_seconds', ISSUE_KEY_PARAM],
  );

  // RFC 8693 token exchange: a client that owns a resource (the REST proxy) trades the caller's
  // token for that resource into a token for one MCP server; `sub` stays the user, `act` names the client.
  const localJwks = createLocalJWKSet({ keys: keys.map(publicJwk) });
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx) => {
      const params = ctx.oidc.params as Record<string, unknown>;
      const { subject_token: subjectToken, subject_token_type: subjectTokenType, requested_token_type: requested } = params;
      if (typeof subjectToken !== 'string' || (subjectTokenType !== ACCESS_TOKEN_TYPE && subjectTokenType !== JWT_TOKEN_TYPE)) {
        throw new errors.InvalidRequest('subject_token and a supported subject_token_type are required');
      }
      if (requested !== undefined && requested !== ACCESS_TOKEN_TYPE) {
        throw new errors.InvalidRequest('only access tokens can be requested');
      }
      const ownedAudiences = resourceServers.filter((r) => r.ownerClientId === ctx.oidc.client.clientId).map((r) => r.url);
      if (ownedAudiences.length === 0) throw new errors.UnauthorizedClient('client owns no resource');
      let subject: { sub?: unknown; scope?: unknown; act?: unknown; acr?: unknown; amr?: unknown; auth_time?: unknown };
      try {
        ({ payload: subject } = await jwtVerify(subjectToken, localJwks, { issuer, audience: ownedAudiences, typ: 'at+jwt' }));
      } catch {
        throw new errors.InvalidGrant('subject_token is invalid');
      }
      // The subject is a seeded user, or a machine client acting for itself (client credentials: sub = its client id).
      const subjectClient = typeof subject.sub === 'string' && !usersById.has(subject.sub) ? clientsById.get(subject.sub) : undefined;
      if (typeof subject.sub !== 'string' || (!usersById.has(subject.sub) && subjectClient?.grantTypes.includes('client_credentials') !== true)) {
        throw new errors.InvalidGrant('subject_token does not identify a user or a client-credentials client');
      }
      const resource = singleResource(ctx);
      if (ownedAudiences.includes(resource)) throw new errors.InvalidTarget('cannot exchange for the same resource');
      const subjectScopes = new Set(parseScopes(subject.scope));
      const requestedScopes = params['scope'] === undefined ? [...subjectScopes] : parseScopes(params['scope']);
      const act: Record<string, unknown> = { sub: ctx.oidc.client.clientId };
      if (subject.act !== undefined) act['act'] = subject.act;
      actorClaims.set(ctx.oidc.params, act);
      // The delegated token keeps the user's authentication strength (step-up rules behind the proxy).
      const kept: Record<string, unknown> = {};
      if (typeof subject.acr === 'string') kept['acr'] = subject.acr;
      if (Array.isArray(subject.amr)) kept['amr'] = subject.amr;
      if (typeof subject.auth_time === 'number') kept['auth_time'] = subject.auth_time;
      if (Object.keys(kept).length > 0) authenticationClaims.set(ctx.oidc.params, kept);
      const scopes = requestedScopes.filter((s) => subjectScopes.has(s));
      const body = subjectClient === undefined ? await mint(ctx, subject.sub, resource, scopes) : await mintForClient(ctx, subjectClient.clientId, resource, scopes);
      ctx.body = { ...body, issued_token_type: ACCESS_TOKEN_TYPE };
    },
    ['subject_token', 'subject_token_type', 'requested_token_type', 'actor_token', 'actor_token_type', 'scope', 'resource', 'audience'],
  );

  // devInteractions takes any login name; refuse non-seeded ones with an OAuth access_denied to the client.
  provider.use(async (ctx, next) => {
    const resume = /^\/auth\/([\w-]+)$/.exec(ctx.path);
    if (resume !== null) {
      const interaction = await provider.Interaction.find(resume[1]!);
      const accountId = interaction?.result?.login?.accountId;
      if (interaction !== undefined && typeof accountId === 'string' && !usersById.has(accountId)) {
        interaction.result = { error: 'access_denied', error_description: 'only seeded users may sign in' };
        await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
      }
    }
    await next();
  });

  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => logger.error('idp server error', { error: { message: err.message } }));
  provider.on('grant.success', (ctx: KoaContextWithOIDC) =>
    logger.info('token issued', { event: { action: 'token-issued', outcome: 'success' }, client: { id: ctx.oidc.client?.clientId }, oauth: { grant_type: ctx.oidc.params?.['grant_type'] } }),
  );
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Error) =>
    logger.warn('token request rejected', { event: { action: 'token-issued', outcome: 'failure', reason: err.message }, client: { id: ctx.oidc.client?.clientId } }),
  );
  return provider;
}

/** `act` claims of in-flight token-exchange requests, keyed by the request's params object. */
const actorClaims = new WeakMap<object, Record<string, unknown>>();
/** `acr`/`amr`/`auth_time` of in-flight dev-password and token-exchange requests, keyed the same way. */
const authenticationClaims = new WeakMap<object, Record<string, unknown>>();

/**
 * Starts the development OpenID Provider (oidc-provider) on loopback with the
 * seeded users, clients and resource servers. Access tokens are `at+jwt` JWTs
 * whose `aud` is the RFC 8707 `resource` requested; they carry `sub`, `groups`
 * (also as Keycloak's `realm_access.roles`), `scope`, `client_id`, `iss`, `exp`, `iat` and `jti`.
 *
 * The HTTP server delegates every request to the current Provider instance;
 * {@link RunningIdentityProvider.rotateKeys} swaps that instance, so the port
 * never closes. Storage is oidc-provider's in-memory adapter (process-wide).
 *
 * @example
 * ```ts
 * const idp = await startIdentityProvider({ port: 0 });
 * const token = await idp.issueToken({ user: 'nina', audience: 'http://127.0.0.1:8101/mcp' });
 * await idp.stop();
 * ```
 */
export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<RunningIdentityProvider> {
  const { port = 9400, host = '127.0.0.1', accessTokenTtlSeconds = 900, signingAlg = 'RS256', logger = silentLogger } = options;
  const resourceServers = options.resourceServers ?? SEED_RESOURCE_SERVERS;
  if (!Number.isInteger(accessTokenTtlSeconds) || accessTokenTtlSeconds < 1) {
    throw new TypeError('accessTokenTtlSeconds must be a positive integer');
  }

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler === undefined) {
      res.writeHead(503).end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${bound}`;
  const issuer = options.issuer ?? url;

  const inputs: ProviderInputs = {
    issuer,
    keys: [await generateSigningKey(signingAlg)],
    cookieKeys: [randomBytes(32).toString('base64url')],
    accessTokenTtlSeconds,
    resourceServers,
    signingAlg,
    otpReplay: createOtpReplayGuard(),
    issueKey: randomBytes(32).toString('base64url'),
    logger,
  };
  const install = (): void => {
    const provider = buildProvider(inputs);
    handler = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  };
  install();
  logger.info('identity provider started', { event: { action: 'idp-start' }, url: { full: url }, idp: { issuer, kid: inputs.keys[0]!.kid } });

  const idp: RunningIdentityProvider = {
    issuer,
    url,
    get currentKid() {
      return inputs.keys[0]!.kid;
    },
    users: SEED_USERS,
    clients: SEED_CLIENTS,
    resourceServers,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      logger.info('identity provider stopped', { event: { action: 'idp-stop' } });
    },
    async rotateKeys() {
      const next = await generateSigningKey(signingAlg);
      inputs.keys = [next, inputs.keys[0]!];
      install();
      logger.info('signing key rotated', { event: { action: 'idp-key-rotation' }, idp: { kid: next.kid } });
    },
    async issueToken({ user, audience, scopes = ['mcp:tools'], ttlSeconds, acr = 'pwd' }) {
      const seeded = SEED_USERS.find((u) => u.username === user);
      if (seeded === undefined) throw new TypeError(`unknown seeded user: ${user}`);
      const body = new URLSearchParams({
        grant_type: DEV_PASSWORD_GRANT,
        client_id: DEV_CLI_CLIENT_ID,
        username: seeded.username,
        password: seeded.devPassword,
        resource: audience,
        scope: scopes.join(' '),
      });
      if (ttlSeconds !== undefined) body.set('ttl_seconds', String(ttlSeconds));
      // The IdP's own API, not a client: its code proves the factor without spending it (the instance key says so).
      if (acr === 'mfa') {
        body.set('otp', devOtp(seeded.devOtpSecret));
        body.set(ISSUE_KEY_PARAM, inputs.issueKey);
      }
      const res = await fetch(`${url}/token`, { method: 'POST', body });
      const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!res.ok || typeof json.access_token !== 'string') {
        throw new Error(`token request failed: ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}`.trim());
      }
      return json.access_token;
    },
  };
  return idp;
}
