/**
 * Seeded identities of the development identity provider — the one source of
 * truth that the local IdP serves and that the Keycloak realm export is built from.
 *
 * DEV ONLY: every password and client secret below is public, committed on
 * purpose, and must never be accepted by anything but a local sandbox.
 *
 * @module
 */
import { localUrl, REST_PROXY, SERVERS, WORKERS } from '@mcp-platform/registry';

/** Groups of the reference policy (`policies/mcp/authz.rego`; `change-approvers` approve deployments, `policies/mcp/deploy.rego`). */
export const GROUPS = ['admin', 'network-engineers', 'service-desk', 'developers', 'change-approvers'] as const;

/** One of {@link GROUPS}. */
export type GroupName = (typeof GROUPS)[number];

/** A seeded user account. */
export interface SeedUser {
  /** Login name; also the token `sub`. */
  readonly username: string;
  /** DEV ONLY password, accepted by the dev-password grant and nowhere else. */
  readonly devPassword: string;
  /**
   * DEV ONLY second factor: the TOTP secret (raw string, UTF-8 HMAC key; see `otp.ts`) of the
   * user's OTP credential, in the dev IdP and the Keycloak realm alike.
   */
  readonly devOtpSecret: string;
  readonly name: string;
  readonly email: string;
  readonly groups: readonly GroupName[];
}

/** A seeded OAuth client. */
export interface SeedClient {
  readonly clientId: string;
  /** DEV ONLY secret for confidential clients; absent for public clients. */
  readonly devSecret?: string;
  readonly description: string;
  readonly grantTypes: readonly string[];
  readonly redirectUris: readonly string[];
  /** Groups a client acting on its own behalf (client credentials) carries in its tokens. */
  readonly groups: readonly GroupName[];
}

/** A protected resource (an MCP server or the REST proxy) tokens may be issued for. */
export interface SeedResourceServer {
  /** The resource identifier (RFC 8707 `resource`, becomes the token `aud`). */
  readonly url: string;
  readonly name: string;
  /** `jwt` (default) or `opaque` (only verifiable by RFC 7662 introspection). */
  readonly accessTokenFormat?: 'jwt' | 'opaque';
  /** Client that owns this resource and may exchange tokens issued for it (RFC 8693). */
  readonly ownerClientId?: string;
  /** Lifetime of access tokens for this resource, in seconds. Default: the provider's (900). */
  readonly accessTokenTtlSeconds?: number;
}

/**
 * Grant type of the dev-only Resource Owner Password grant used by `pnpm token`
 * and tests. Deliberately not the standard `password` name: nothing outside the
 * sandbox should ever speak it.
 */
export const DEV_PASSWORD_GRANT = 'urn:mcp-platform:params:oauth:grant-type:dev-password';

/** RFC 8693 token exchange grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * Authentication context classes (OIDC `acr`) and their levels: `pwd` = password only, `mfa` =
 * password and a one-time code. The same map is the Keycloak realm's ACR-to-LoA mapping
 * (`acr.loa.map`) and `data.mcp.step_up.acr_levels` of the policy (a drift test keeps them equal).
 */
export const ACR_LEVELS = { pwd: 1, mfa: 2 } as const;

/** One of the {@link ACR_LEVELS} names. */
export type AcrValue = keyof typeof ACR_LEVELS;

/** Scopes that resource servers understand; `mcp:tools` is what every MCP server requires. */
export const RESOURCE_SCOPES = ['mcp:tools', 'mcp:admin'] as const;

/**
 * Seeded users. DEV ONLY passwords (`<username>-dev-password`).
 *
 * @example
 * ```ts
 * const alice = SEED_USERS.find((u) => u.username === 'alice'); // groups: ['admin']
 * ```
 */
export const SEED_USERS: readonly SeedUser[] = [
  { username: 'alice', devPassword: 'alice-dev-password', devOtpSecret: 'alice-dev-otp-secret-0001', name: 'Alice Admin', email: 'alice@example.test', groups: ['admin'] },
  { username: 'nina', devPassword: 'nina-dev-password', devOtpSecret: 'nina-dev-otp-secret-0001', name: 'Nina Network', email: 'nina@example.test', groups: ['network-engineers'] },
  { username: 'sam', devPassword: 'sam-dev-password', devOtpSecret: 'sam-dev-otp-secret-0001', name: 'Sam Servicedesk', email: 'sam@example.test', groups: ['service-desk'] },
  { username: 'dave', devPassword: 'dave-dev-password', devOtpSecret: 'dave-dev-otp-secret-0001', name: 'Dave Developer', email: 'dave@example.test', groups: ['developers'] },
  { username: 'eve', devPassword: 'eve-dev-password', devOtpSecret: 'eve-dev-otp-secret-0001', name: 'Eve Nogroup', email: 'eve@example.test', groups: [] },
  { username: 'carol', devPassword: 'carol-dev-password', devOtpSecret: 'carol-dev-otp-secret-0001', name: 'Carol Changeapprover', email: 'carol@example.test', groups: ['change-approvers'] },
];

/**
 * Seeded clients. DEV ONLY secrets.
 *
 * - `mcp-inspector`: public, authorization code + PKCE (interactive MCP clients).
 * - `agent-x`: confidential, client credentials; acts as itself with group `network-engineers`.
 * - `mcp-dev-cli`: public, dev-password grant only (`pnpm token`, tests).
 * - `rest-proxy`: confidential, RFC 8693 token exchange (user token for the proxy → token for an MCP server).
 * - `mcp-network`: confidential, RFC 8693 token exchange (the caller's mcp-network token → a single-use credential for the deploy worker).
 * - `mcp-gateway`: confidential, RFC 8693 token exchange (user token for the gateway → token for each backend MCP server).
 * - `mcp-resource-server`: confidential, no grants; authenticates at the introspection endpoint.
 *
 * @example
 * ```ts
 * const agent = SEED_CLIENTS.find((c) => c.clientId === 'agent-x')!;
 * ```
 */
export const SEED_CLIENTS: readonly SeedClient[] = [
  {
    clientId: 'mcp-inspector',
    description: 'Interactive MCP clients (MCP Inspector, Claude Desktop, VS Code): authorization code + PKCE',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [
      'http://localhost:6274/oauth/callback',
      'http://localhost:6274/oauth/callback/debug',
      'http://127.0.0.1:6274/oauth/callback',
      'http://127.0.0.1:6274/oauth/callback/debug',
      'http://127.0.0.1:33418/callback',
    ],
    groups: [],
  },
  {
    clientId: 'agent-x',
    devSecret: 'agent-x-dev-secret',
    description: 'An autonomous agent acting as itself: client credentials',
    grantTypes: ['client_credentials'],
    redirectUris: [],
    groups: ['network-engineers'],
  },
  {
    clientId: 'mcp-dev-cli',
    description: 'DEV ONLY: `pnpm token` and tests obtain user tokens without a browser',
    grantTypes: [DEV_PASSWORD_GRANT],
    redirectUris: [],
    groups: [],
  },
  {
    clientId: 'rest-proxy',
    devSecret: 'rest-proxy-dev-secret',
    description: 'REST proxy: exchanges the caller token for a token to one MCP server (RFC 8693)',
    grantTypes: [TOKEN_EXCHANGE_GRANT],
    redirectUris: [],
    groups: [],
  },
  {
    clientId: 'mcp-network',
    devSecret: 'mcp-network-dev-secret',
    description: 'mcp-network: exchanges the caller token for a credential to the deploy worker (RFC 8693)',
    grantTypes: [TOKEN_EXCHANGE_GRANT],
    redirectUris: [],
    groups: [],
  },
  {
    clientId: 'mcp-gateway',
    devSecret: 'mcp-gateway-dev-secret',
    description: 'MCP gateway: exchanges the caller token for a token to each backend MCP server (RFC 8693)',
    grantTypes: [TOKEN_EXCHANGE_GRANT],
    redirectUris: [],
    groups: [],
  },
  {
    clientId: 'mcp-resource-server',
    devSecret: 'mcp-resource-server-dev-secret',
    description: 'MCP servers authenticating at the introspection endpoint (opaque tokens)',
    grantTypes: [],
    redirectUris: [],
    groups: [],
  },
];

/**
 * The resource servers tokens may be issued for: every MCP server of the
 * registry (`@mcp-platform/registry`) and the REST proxy, on their loopback URLs,
 * and the credential audience of each worker that verifies identities (a URN).
 *
 * @example
 * ```ts
 * const network = SEED_RESOURCE_SERVERS[0]!.url; // 'http://127.0.0.1:8101/mcp'
 * ```
 */
export const SEED_RESOURCE_SERVERS: readonly SeedResourceServer[] = [
  ...SERVERS.map((s): SeedResourceServer => ({ url: localUrl(s), name: s.name, ...(s.ownerClientId === undefined ? {} : { ownerClientId: s.ownerClientId }) })),
  { url: localUrl(REST_PROXY), name: REST_PROXY.name, ...(REST_PROXY.ownerClientId === undefined ? {} : { ownerClientId: REST_PROXY.ownerClientId }) },
  // Not HTTP endpoints: the audiences of identity credentials workers verify (Temporal carries them).
  ...WORKERS.flatMap((w): SeedResourceServer[] =>
    w.credentialAudience === undefined
      ? []
      : [{ url: w.credentialAudience, name: w.name, ...(w.credentialTtlSeconds === undefined ? {} : { accessTokenTtlSeconds: w.credentialTtlSeconds }) }],
  ),
];
