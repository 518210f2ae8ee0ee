/**
 * Builds the Keycloak realm import (`deploy/keycloak/realm-mcp.json`) from the
 * dev identity provider's seed (`@mcp-platform/sandboxes/idp`): one source of
 * truth for users, groups, clients and resource servers.
 *
 * `pnpm --filter @mcp-platform/deploy-checks realm` rewrites the committed
 * file; `keycloak-realm.test.ts` fails when the committed file differs from
 * what this module builds.
 *
 * Mapping of the seed to Keycloak (26.x):
 * - groups → top-level realm groups; a `groups` protocol mapper (group
 *   membership, short names) on the `mcp:tools` client scope puts them in the `groups` claim;
 * - users → users with their DEV ONLY password credential and group memberships;
 * - `authorization_code` clients → public clients with PKCE (S256) and the seed's redirect URIs;
 * - `client_credentials` clients → confidential clients with a service account whose
 *   user carries the seed client's groups;
 * - the dev-password grant (`mcp-dev-cli`) → a public client with direct access grants
 *   (Keycloak's password grant, DEV ONLY, the realm's only such client);
 * - the token-exchange grant (`rest-proxy`) → standard token exchange (V2) enabled, and
 *   tokens for a resource the client owns also carry that client id in `aud` (V2 requires
 *   the requesting client in the subject token's audience);
 * - each resource server → an optional client scope named after it with an audience
 *   mapper per resource identifier: the seed's loopback URL (`pnpm start`) and the
 *   compose URL (`http://<name>:<port>/…`), so `aud` is the server's resource URL wherever
 *   it runs. Clients ask for it with `scope=<name>` (Keycloak does not read RFC 8707 `resource`);
 * - step-up (RFC 9470): each user's DEV ONLY OTP secret → an OTP credential; the seed's
 *   {@link ACR_LEVELS} → the realm's ACR-to-LoA map (`acr.loa.map`); a browser flow whose
 *   level 1 is the password and level 2 the OTP form (Conditional - Level Of Authentication,
 *   level 2 valid for {@link STEP_UP_MAX_AGE_SECONDS}), so `acr_values=mfa` asks for the OTP;
 *   `acr`, `amr` (RFC 8176 references on the password and OTP steps) and `auth_time` mappers on the `basic` scope. The password grant (dev CLI) is a
 *   password-only flow: its tokens say `acr: pwd`.
 *
 * @example
 * ```ts
 * const realm = buildRealm();
 * writeFileSync('deploy/keycloak/realm-mcp.json', `${JSON.stringify(realm, null, 2)}\n`);
 * ```
 * @module
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type AuthenticationExecutionExportRepresentation from '@keycloak/keycloak-admin-client/lib/defs/authenticationExecutionExportRepresentation.js';
import type AuthenticationFlowRepresentation from '@keycloak/keycloak-admin-client/lib/defs/authenticationFlowRepresentation.js';
import type AuthenticatorConfigRepresentation from '@keycloak/keycloak-admin-client/lib/defs/authenticatorConfigRepresentation.js';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type ClientScopeRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientScopeRepresentation.js';
import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation.js';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation.js';
import {
  ACR_LEVELS,
  DEV_OTP_POLICY,
  DEV_PASSWORD_GRANT,
  GROUPS,
  RESOURCE_SCOPES,
  SEED_CLIENTS,
  SEED_RESOURCE_SERVERS,
  SEED_USERS,
  TOKEN_EXCHANGE_GRANT,
  type SeedClient,
  type SeedResourceServer,
} from '@mcp-platform/sandboxes/idp';

/** Path of the committed realm file. */
export const REALM_FILE = fileURLToPath(new URL('../../deploy/keycloak/realm-mcp.json', import.meta.url));

/** Realm name; the issuer in compose is `https://keycloak:8443/realms/mcp`. */
export const REALM = 'mcp';

/**
 * The resource identifiers of one resource server: the seed URL (loopback, `pnpm start`)
 * and the same path on the compose/Kubernetes service name.
 *
 * @example
 * ```ts
 * resourceUrls({ url: 'http://127.0.0.1:8101/mcp', name: 'mcp-network' });
 * // ['http://127.0.0.1:8101/mcp', 'http://mcp-network:8101/mcp']
 * ```
 */
export function resourceUrls(rs: SeedResourceServer): string[] {
  const u = new URL(rs.url);
  // A URN (the deploy worker's credential audience) names no host: it is the same everywhere.
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return [rs.url];
  const inCluster = new URL(rs.url);
  inCluster.hostname = rs.name;
  const strip = (s: string) => (u.pathname === '/' ? s.replace(/\/$/, '') : s);
  return [strip(u.href), strip(inCluster.href)];
}

function audienceScope(rs: SeedResourceServer): ClientScopeRepresentation {
  // Standard token exchange (V2) accepts a subject token only when the requesting
  // client is in its audience: tokens for the proxy also name the proxy's client.
  const ownerMapper: ProtocolMapperRepresentation[] =
    rs.ownerClientId === undefined
      ? []
      : [
          {
            name: 'audience-owner-client',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-audience-mapper',
            config: { 'included.client.audience': rs.ownerClientId, 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
          },
        ];
  // Keycloak 26 answers introspection `active: false` unless the introspecting client is in the
  // token's audience: name the resource servers' introspection client, so OIDC_INTROSPECT_JWT works.
  const introspectorMapper: ProtocolMapperRepresentation = {
    name: 'audience-introspector',
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    config: { 'included.client.audience': INTROSPECTION_CLIENT_ID, 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
  };
  return {
    name: rs.name,
    description: `Tokens for ${rs.name}: aud = its resource identifier`,
    protocol: 'openid-connect',
    attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'false' },
    protocolMappers: [
      ...resourceUrls(rs).map((url, i): ProtocolMapperRepresentation => ({
        name: `audience-${String(i)}`,
        protocol: 'openid-connect',
        protocolMapper: 'oidc-audience-mapper',
        config: { 'included.custom.audience': url, 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
      })),
      ...ownerMapper,
      introspectorMapper,
    ],
  };
}

/** How long a level-2 (OTP) authentication satisfies step-up, in seconds: the policy's `data.mcp.step_up.max_age_seconds`. */
export const STEP_UP_MAX_AGE_SECONDS = 900;

/** Aliases of the realm's own authentication flows. */
export const BROWSER_FLOW = 'mcp browser with step-up';
export const DIRECT_GRANT_FLOW = 'mcp direct grant (password only)';

function execution(step: { authenticator?: string; flowAlias?: string; requirement: 'REQUIRED' | 'ALTERNATIVE' | 'CONDITIONAL'; priority: number; authenticatorConfig?: string }): AuthenticationExecutionExportRepresentation {
  const flow = step.flowAlias !== undefined;
  // Keycloak reads `authenticatorFlow`; older exports spell it `autheticatorFlow` (both are accepted).
  return { ...step, userSetupAllowed: false, autheticatorFlow: flow, ...({ authenticatorFlow: flow } as Record<string, boolean>) };
}

/**
 * The step-up flows (Keycloak server admin guide, "Creating a browser login flow with step-up
 * mechanism"): cookie SSO, else level 1 (password) and, when asked for, level 2 (OTP).
 */
function stepUpFlows(): { flows: AuthenticationFlowRepresentation[]; configs: AuthenticatorConfigRepresentation[] } {
  const sub = (alias: string, description: string, executions: AuthenticationExecutionExportRepresentation[]): AuthenticationFlowRepresentation => ({
    alias,
    description,
    providerId: 'basic-flow',
    topLevel: false,
    builtIn: false,
    authenticationExecutions: executions,
  });
  return {
    flows: [
      {
        alias: BROWSER_FLOW,
        description: 'SSO cookie, else password (level 1) and, when acr_values asks for level 2, a one-time code',
        providerId: 'basic-flow',
        topLevel: true,
        builtIn: false,
        authenticationExecutions: [
          execution({ authenticator: 'auth-cookie', requirement: 'ALTERNATIVE', priority: 10 }),
          execution({ flowAlias: 'mcp step-up levels', requirement: 'ALTERNATIVE', priority: 20 }),
        ],
      },
      sub('mcp step-up levels', 'Level 1 then level 2', [
        execution({ flowAlias: 'mcp level 1 (pwd)', requirement: 'CONDITIONAL', priority: 10 }),
        execution({ flowAlias: 'mcp level 2 (mfa)', requirement: 'CONDITIONAL', priority: 20 }),
      ]),
      sub('mcp level 1 (pwd)', 'Password', [
        execution({ authenticator: 'conditional-level-of-authentication', authenticatorConfig: 'mcp-loa-1', requirement: 'REQUIRED', priority: 10 }),
        execution({ authenticator: 'auth-username-password-form', authenticatorConfig: 'mcp-amr-pwd', requirement: 'REQUIRED', priority: 20 }),
      ]),
      sub('mcp level 2 (mfa)', 'One-time code', [
        execution({ authenticator: 'conditional-level-of-authentication', authenticatorConfig: 'mcp-loa-2', requirement: 'REQUIRED', priority: 10 }),
        execution({ authenticator: 'auth-otp-form', authenticatorConfig: 'mcp-amr-otp', requirement: 'REQUIRED', priority: 20 }),
      ]),
      {
        alias: DIRECT_GRANT_FLOW,
        description: 'DEV ONLY password grant of mcp-dev-cli: password only, so its tokens are level 1 (acr pwd)',
        providerId: 'basic-flow',
        topLevel: true,
        builtIn: false,
        authenticationExecutions: [
          execution({ authenticator: 'direct-grant-validate-username', requirement: 'REQUIRED', priority: 10 }),
          execution({ authenticator: 'direct-grant-validate-password', authenticatorConfig: 'mcp-amr-pwd-direct', requirement: 'REQUIRED', priority: 20 }),
        ],
      },
    ],
    configs: [
      { alias: 'mcp-loa-1', config: { 'loa-condition-level': String(ACR_LEVELS.pwd), 'loa-max-age': '36000' } },
      { alias: 'mcp-loa-2', config: { 'loa-condition-level': String(ACR_LEVELS.mfa), 'loa-max-age': String(STEP_UP_MAX_AGE_SECONDS) } },
      // RFC 8176 method references for the `amr` mapper (Keycloak's AmrUtils reads them per completed authenticator),
      // the dev IdP's values: a password login says ["pwd"], a login with the one-time code ["pwd", "otp"].
      { alias: 'mcp-amr-pwd', config: { 'default.reference.value': 'pwd', 'default.reference.maxAge': '36000' } },
      { alias: 'mcp-amr-pwd-direct', config: { 'default.reference.value': 'pwd', 'default.reference.maxAge': '36000' } },
      { alias: 'mcp-amr-otp', config: { 'default.reference.value': 'otp', 'default.reference.maxAge': String(STEP_UP_MAX_AGE_SECONDS) } },
    ],
  };
}

/** The confidential client the resource servers authenticate with at the introspection endpoint. */
const INTROSPECTION_CLIENT_ID = 'mcp-resource-server';

function resourceScope(name: string): ClientScopeRepresentation {
  const scope: ClientScopeRepresentation = {
    name,
    description: `OAuth scope ${name}`,
    protocol: 'openid-connect',
    attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'true' },
  };
  if (name === 'mcp:tools') {
    scope.protocolMappers = [
      {
        name: 'groups',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-group-membership-mapper',
        config: { 'claim.name': 'groups', 'full.path': 'false', 'access.token.claim': 'true', 'id.token.claim': 'true', 'introspection.token.claim': 'true', 'userinfo.token.claim': 'true' },
      },
    ];
  }
  return scope;
}

function client(c: SeedClient): ClientRepresentation {
  const grants = new Set(c.grantTypes);
  const confidential = c.devSecret !== undefined;
  const out: ClientRepresentation = {
    clientId: c.clientId,
    name: c.clientId,
    description: c.description,
    enabled: true,
    protocol: 'openid-connect',
    publicClient: !confidential,
    standardFlowEnabled: grants.has('authorization_code'),
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: grants.has(DEV_PASSWORD_GRANT),
    serviceAccountsEnabled: grants.has('client_credentials'),
    // Only clients that obtain tokens get the resource scopes; mcp-resource-server only introspects.
    bearerOnly: false,
    redirectUris: [...c.redirectUris],
    webOrigins: c.redirectUris.length > 0 ? ['+'] : [],
    attributes: {
      'pkce.code.challenge.method': grants.has('authorization_code') ? 'S256' : '',
      'standard.token.exchange.enabled': grants.has(TOKEN_EXCHANGE_GRANT) ? 'true' : 'false',
      'oauth2.device.authorization.grant.enabled': 'false',
    },
    defaultClientScopes: ['basic', 'mcp:tools'],
    optionalClientScopes: [...RESOURCE_SCOPES.filter((s) => s !== 'mcp:tools'), ...SEED_RESOURCE_SERVERS.map((rs) => rs.name)],
  };
  if (confidential) {
    out.clientAuthenticatorType = 'client-secret';
    out.secret = c.devSecret; // DEV ONLY (from the seed)
  }
  return out;
}

/**
 * The realm representation (Keycloak `RealmRepresentation`, importable with
 * `kc.sh start-dev --import-realm`).
 *
 * @example
 * ```ts
 * const realm = buildRealm();
 * realm['realm']; // 'mcp'
 * ```
 */
export function buildRealm(): RealmRepresentation {
  const basicScope: ClientScopeRepresentation = { name: 'basic', protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'false' },
        protocolMappers: [
          { name: 'sub', protocol: 'openid-connect', protocolMapper: 'oidc-sub-mapper', config: { 'access.token.claim': 'true', 'introspection.token.claim': 'true' } },
          { name: 'client id', protocol: 'openid-connect', protocolMapper: 'oidc-usersessionmodel-note-mapper',
            config: { 'user.session.note': 'client_id', 'claim.name': 'client_id', 'jsonType.label': 'String', 'access.token.claim': 'true', 'introspection.token.claim': 'true' } },
          { name: 'username', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
            config: { 'user.attribute': 'username', 'claim.name': 'preferred_username', 'jsonType.label': 'String', 'access.token.claim': 'true', 'id.token.claim': 'true' } },
          // Step-up: the level reached (named by acr.loa.map) and when the user authenticated.
          { name: 'acr loa level', protocol: 'openid-connect', protocolMapper: 'oidc-acr-mapper',
            config: { 'id.token.claim': 'true', 'access.token.claim': 'true', 'introspection.token.claim': 'true' } },
          { name: 'amr', protocol: 'openid-connect', protocolMapper: 'oidc-amr-mapper',
            config: { 'id.token.claim': 'true', 'access.token.claim': 'true', 'introspection.token.claim': 'true' } },
          { name: 'auth_time', protocol: 'openid-connect', protocolMapper: 'oidc-usersessionmodel-note-mapper',
            config: { 'user.session.note': 'AUTH_TIME', 'claim.name': 'auth_time', 'jsonType.label': 'long', 'id.token.claim': 'true', 'access.token.claim': 'true', 'introspection.token.claim': 'true' } },
        ] };
  const stepUp = stepUpFlows();
  const serviceAccounts = SEED_CLIENTS.filter((c) => c.grantTypes.includes('client_credentials')).map((c): UserRepresentation => ({
    username: `service-account-${c.clientId}`,
    enabled: true,
    serviceAccountClientId: c.clientId,
    groups: c.groups.map((g) => `/${g}`),
  }));
  return {
    realm: REALM,
    enabled: true,
    sslRequired: 'external',
    registrationAllowed: false,
    accessTokenLifespan: 300,
    defaultSignatureAlgorithm: 'RS256',
    attributes: { 'acr.loa.map': JSON.stringify(ACR_LEVELS) },
    otpPolicyType: 'totp',
    otpPolicyAlgorithm: `Hmac${DEV_OTP_POLICY.algorithm}`,
    otpPolicyDigits: DEV_OTP_POLICY.digits,
    otpPolicyPeriod: DEV_OTP_POLICY.periodSeconds,
    otpPolicyLookAheadWindow: 1,
    otpPolicyCodeReusable: false,
    browserFlow: BROWSER_FLOW,
    directGrantFlow: DIRECT_GRANT_FLOW,
    authenticationFlows: stepUp.flows,
    authenticatorConfig: stepUp.configs,
    groups: GROUPS.map((g) => ({ name: g, path: `/${g}` })),
    users: [
      ...SEED_USERS.map((u): UserRepresentation => {
        const [firstName, ...rest] = u.name.split(' ');
        return {
          username: u.username,
          enabled: true,
          email: u.email,
          emailVerified: true,
          firstName: firstName ?? u.username,
          lastName: rest.join(' '),
          credentials: [
            { type: 'password', value: u.devPassword, temporary: false }, // DEV ONLY (from the seed)
            {
              // DEV ONLY second factor (the seed's TOTP secret; Keycloak stores the raw secret string)
              type: 'otp',
              userLabel: 'dev-otp',
              secretData: JSON.stringify({ value: u.devOtpSecret }),
              credentialData: JSON.stringify({ subType: 'totp', digits: DEV_OTP_POLICY.digits, counter: 0, period: DEV_OTP_POLICY.periodSeconds, algorithm: `Hmac${DEV_OTP_POLICY.algorithm}` }),
            },
          ],
          groups: u.groups.map((g) => `/${g}`),
        };
      }),
      ...serviceAccounts,
    ],
    clientScopes: [
      basicScope,
      ...RESOURCE_SCOPES.map(resourceScope),
      ...SEED_RESOURCE_SERVERS.map(audienceScope),
    ],
    defaultDefaultClientScopes: ['basic', 'mcp:tools'],
    clients: SEED_CLIENTS.map(client),
  };
}

/** The realm file's text: two-space JSON and a final newline. */
export function realmText(): string {
  return `${JSON.stringify(buildRealm(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(REALM_FILE, realmText());
  process.stdout.write(`wrote ${REALM_FILE}\n`);
}
