import { readFileSync } from 'node:fs';
import { ACR_LEVELS, GROUPS, SEED_CLIENTS, SEED_RESOURCE_SERVERS, SEED_USERS, TOKEN_EXCHANGE_GRANT } from '@mcp-platform/sandboxes/idp';
import { describe, expect, it } from 'vitest';
import { BROWSER_FLOW, DIRECT_GRANT_FLOW, REALM_FILE, STEP_UP_MAX_AGE_SECONDS, realmText, resourceUrls } from './keycloak-realm.ts';
import { readCompose } from './repo.ts';

interface Realm {
  realm: string;
  groups: { name: string }[];
  users: { username: string; groups: string[]; serviceAccountClientId?: string; credentials?: { type: string; value: string }[] }[];
  clients: { clientId: string; publicClient: boolean; secret?: string; redirectUris: string[]; serviceAccountsEnabled: boolean; directAccessGrantsEnabled: boolean; standardFlowEnabled: boolean; attributes: Record<string, string>; optionalClientScopes: string[]; defaultClientScopes: string[] }[];
  clientScopes: { name: string; protocolMappers?: { protocolMapper: string; config: Record<string, string> }[] }[];
}

const text = readFileSync(REALM_FILE, 'utf8');
const POLICY_DATA = JSON.parse(readFileSync(new URL('../../policies/mcp/data.json', import.meta.url), 'utf8')) as {
  mcp: { step_up: { required_acr: string; acr_levels: Record<string, number>; amr_levels: Record<string, number>; max_age_seconds: number } };
};

interface StepUpRealm {
  attributes: Record<string, string>;
  browserFlow: string;
  directGrantFlow: string;
  otpPolicyCodeReusable: boolean;
  users: { username: string; credentials?: { type: string; secretData?: string; credentialData?: string }[] }[];
  authenticationFlows: { alias: string; authenticationExecutions: { authenticator?: string; flowAlias?: string; requirement: string; authenticatorConfig?: string }[] }[];
  authenticatorConfig: { alias: string; config: Record<string, string> }[];
  clientScopes: { name: string; protocolMappers?: { protocolMapper: string; config: Record<string, string> }[] }[];
}
const realm = JSON.parse(text) as Realm;

describe('deploy/keycloak/realm-mcp.json', () => {
  it('is exactly what the generator builds from the dev IdP seed (run `pnpm --filter @mcp-platform/deploy-checks realm`)', () => {
    expect(text).toBe(realmText());
  });

  it('is realm mcp, the issuer path compose gives the services', () => {
    expect(realm.realm).toBe('mcp');
    const issuers = new Set(Object.values(readCompose().services).map((s) => (s.environment as Record<string, string> | undefined)?.['OIDC_ISSUER']).filter((x) => x !== undefined));
    expect([...issuers]).toEqual(['https://keycloak:8443/realms/mcp']);
  });

  it('has the seed groups and users, with their group memberships and DEV ONLY passwords', () => {
    expect(realm.groups.map((g) => g.name)).toEqual([...GROUPS]);
    for (const u of SEED_USERS) {
      const kc = realm.users.find((x) => x.username === u.username);
      expect(kc, u.username).toBeDefined();
      expect(kc!.groups).toEqual(u.groups.map((g) => `/${g}`));
      expect(kc!.credentials?.[0]).toMatchObject({ type: 'password', value: u.devPassword });
    }
  });

  it('has the seed clients: public ones without a secret, confidential ones with theirs', () => {
    expect(realm.clients.map((c) => c.clientId)).toEqual(SEED_CLIENTS.map((c) => c.clientId));
    for (const c of SEED_CLIENTS) {
      const kc = realm.clients.find((x) => x.clientId === c.clientId)!;
      expect(kc.publicClient, c.clientId).toBe(c.devSecret === undefined);
      expect(kc.secret, c.clientId).toBe(c.devSecret);
      expect(kc.redirectUris).toEqual(c.redirectUris);
      expect(kc.standardFlowEnabled).toBe(c.grantTypes.includes('authorization_code'));
      expect(kc.serviceAccountsEnabled).toBe(c.grantTypes.includes('client_credentials'));
    }
  });

  it('gives client-credentials clients a service account in the seed groups (agent-x acts as a network engineer)', () => {
    for (const c of SEED_CLIENTS.filter((x) => x.grantTypes.includes('client_credentials'))) {
      const sa = realm.users.find((u) => u.serviceAccountClientId === c.clientId);
      expect(sa?.groups, c.clientId).toEqual(c.groups.map((g) => `/${g}`));
    }
    expect(realm.users.find((u) => u.serviceAccountClientId === 'agent-x')?.groups).toEqual(['/network-engineers']);
  });

  it('enables standard token exchange for the clients that exchange (rest-proxy, mcp-network, mcp-gateway) only', () => {
    const exchanging = realm.clients.filter((c) => c.attributes['standard.token.exchange.enabled'] === 'true').map((c) => c.clientId);
    expect(exchanging).toEqual(SEED_CLIENTS.filter((c) => c.grantTypes.includes(TOKEN_EXCHANGE_GRANT)).map((c) => c.clientId));
    expect(exchanging).toEqual(['rest-proxy', 'mcp-network', 'mcp-gateway']);
  });

  it('has an audience mapper per resource server for its loopback and in-cluster URLs, offered to every client', () => {
    for (const rs of SEED_RESOURCE_SERVERS) {
      const scope = realm.clientScopes.find((s) => s.name === rs.name);
      const mappers = (scope?.protocolMappers ?? []).filter((m) => m.protocolMapper === 'oidc-audience-mapper');
      expect(mappers.map((m) => m.config['included.custom.audience']).filter((a) => a !== undefined), rs.name).toEqual(resourceUrls(rs));
      // Token exchange V2: the owning client (rest-proxy) must be in the subject token's audience; and
      // Keycloak introspects a token only for a client in its audience (the resource servers' mcp-resource-server).
      expect(mappers.map((m) => m.config['included.client.audience']).filter((a) => a !== undefined), rs.name).toEqual([
        ...(rs.ownerClientId === undefined ? [] : [rs.ownerClientId]),
        'mcp-resource-server',
      ]);
      for (const c of realm.clients) expect(c.optionalClientScopes, `${c.clientId} may ask for ${rs.name}`).toContain(rs.name);
    }
    // The compose PUBLIC_URLs are among the audiences.
    const compose = readCompose();
    for (const name of ['mcp-network', 'mcp-itsm', 'mcp-github', 'rest-proxy', 'mcp-gateway']) {
      const publicUrl = (compose.services[name]?.environment as Record<string, string>)['PUBLIC_URL'];
      const scope = realm.clientScopes.find((s) => s.name === name);
      expect(scope?.protocolMappers?.map((m) => m.config['included.custom.audience']), name).toContain(publicUrl);
    }
  });

  it('puts group names in the `groups` claim through the default mcp:tools scope', () => {
    const scope = realm.clientScopes.find((s) => s.name === 'mcp:tools');
    const mapper = scope?.protocolMappers?.find((m) => m.protocolMapper === 'oidc-group-membership-mapper');
    expect(mapper?.config).toMatchObject({ 'claim.name': 'groups', 'full.path': 'false', 'access.token.claim': 'true' });
    for (const c of realm.clients) expect(c.defaultClientScopes).toContain('mcp:tools');
  });
});

describe('deploy/keycloak/realm-mcp.json: step-up (RFC 9470)', () => {
  const r = JSON.parse(text) as StepUpRealm;

  it("maps ACR names to levels exactly as the seed and the policy's data.mcp.step_up do", () => {
    expect(JSON.parse(r.attributes['acr.loa.map'] ?? '{}')).toEqual(ACR_LEVELS);
    expect(POLICY_DATA.mcp.step_up.acr_levels).toEqual(ACR_LEVELS);
    expect(POLICY_DATA.mcp.step_up.required_acr).toBe('mfa');
    expect(POLICY_DATA.mcp.step_up.max_age_seconds).toBe(STEP_UP_MAX_AGE_SECONDS);
  });

  it("gives every seeded user an OTP credential with the seed's DEV ONLY secret; a code is not reusable", () => {
    for (const u of SEED_USERS) {
      const otp = r.users.find((x) => x.username === u.username)?.credentials?.find((c) => c.type === 'otp');
      expect(JSON.parse(otp?.secretData ?? '{}'), u.username).toEqual({ value: u.devOtpSecret });
      expect(JSON.parse(otp?.credentialData ?? '{}'), u.username).toMatchObject({ subType: 'totp', digits: 6, period: 30, algorithm: 'HmacSHA1' });
    }
    expect(r.otpPolicyCodeReusable).toBe(false);
  });

  it('logs in through the step-up browser flow: password at level 1, the OTP form at level 2 (valid for max_age)', () => {
    expect(r.browserFlow).toBe(BROWSER_FLOW);
    const flow = (alias: string) => r.authenticationFlows.find((f) => f.alias === alias)!;
    const levels = flow(BROWSER_FLOW).authenticationExecutions.find((e) => e.flowAlias !== undefined)!.flowAlias!;
    const [one, two] = flow(levels).authenticationExecutions.map((e) => flow(e.flowAlias!));
    const config = (alias: string | undefined) => r.authenticatorConfig.find((c) => c.alias === alias)?.config;
    expect(one!.authenticationExecutions.map((e) => e.authenticator)).toEqual(['conditional-level-of-authentication', 'auth-username-password-form']);
    expect(config(one!.authenticationExecutions[0]!.authenticatorConfig)?.['loa-condition-level']).toBe(String(ACR_LEVELS.pwd));
    expect(two!.authenticationExecutions.map((e) => e.authenticator)).toEqual(['conditional-level-of-authentication', 'auth-otp-form']);
    expect(config(two!.authenticationExecutions[0]!.authenticatorConfig)).toEqual({ 'loa-condition-level': String(ACR_LEVELS.mfa), 'loa-max-age': String(STEP_UP_MAX_AGE_SECONDS) });
  });

  it("names the methods (amr) the dev IdP names, each a level of the policy's amr_levels: password pwd (1), OTP otp (2, within max_age)", () => {
    const reference = (authenticator: string) => {
      const execution = r.authenticationFlows.flatMap((f) => f.authenticationExecutions).find((e) => e.authenticator === authenticator);
      return r.authenticatorConfig.find((c) => c.alias === execution?.authenticatorConfig)?.config;
    };
    expect(reference('auth-username-password-form')?.['default.reference.value']).toBe('pwd');
    expect(reference('direct-grant-validate-password')?.['default.reference.value']).toBe('pwd');
    expect(reference('auth-otp-form')).toEqual({ 'default.reference.value': 'otp', 'default.reference.maxAge': String(STEP_UP_MAX_AGE_SECONDS) });
    expect(POLICY_DATA.mcp.step_up.amr_levels).toEqual({ pwd: ACR_LEVELS.pwd, otp: ACR_LEVELS.mfa });
  });

  it('keeps the DEV ONLY password grant at level 1 (no OTP step, so its tokens say acr pwd)', () => {
    expect(r.directGrantFlow).toBe(DIRECT_GRANT_FLOW);
    const steps = r.authenticationFlows.find((f) => f.alias === DIRECT_GRANT_FLOW)!.authenticationExecutions.map((e) => e.authenticator);
    expect(steps).toEqual(['direct-grant-validate-username', 'direct-grant-validate-password']);
  });

  it('puts acr, amr and auth_time in access tokens (basic scope)', () => {
    const mappers = r.clientScopes.find((s) => s.name === 'basic')!.protocolMappers!;
    expect(mappers.find((m) => m.protocolMapper === 'oidc-acr-mapper')?.config['access.token.claim']).toBe('true');
    expect(mappers.find((m) => m.protocolMapper === 'oidc-amr-mapper')?.config['access.token.claim']).toBe('true');
    expect(mappers.find((m) => m.config['claim.name'] === 'auth_time')?.config).toMatchObject({ 'user.session.note': 'AUTH_TIME', 'access.token.claim': 'true' });
  });
});
