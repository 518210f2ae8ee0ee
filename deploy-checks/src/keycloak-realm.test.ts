import { readFileSync } from 'node:fs';
import { GROUPS, SEED_CLIENTS, SEED_RESOURCE_SERVERS, SEED_USERS, TOKEN_EXCHANGE_GRANT } from '@mcp-platform/sandboxes/idp';
import { describe, expect, it } from 'vitest';
import { REALM_FILE, realmText, resourceUrls } from './keycloak-realm.ts';
import { readCompose } from './repo.ts';

interface Realm {
  realm: string;
  groups: { name: string }[];
  users: { username: string; groups: string[]; serviceAccountClientId?: string; credentials?: { type: string; value: string }[] }[];
  clients: { clientId: string; publicClient: boolean; secret?: string; redirectUris: string[]; serviceAccountsEnabled: boolean; directAccessGrantsEnabled: boolean; standardFlowEnabled: boolean; attributes: Record<string, string>; optionalClientScopes: string[]; defaultClientScopes: string[] }[];
  clientScopes: { name: string; protocolMappers?: { protocolMapper: string; config: Record<string, string> }[] }[];
}

const text = readFileSync(REALM_FILE, 'utf8');
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

  it('enables standard token exchange for rest-proxy only', () => {
    const exchanging = realm.clients.filter((c) => c.attributes['standard.token.exchange.enabled'] === 'true').map((c) => c.clientId);
    expect(exchanging).toEqual(SEED_CLIENTS.filter((c) => c.grantTypes.includes(TOKEN_EXCHANGE_GRANT)).map((c) => c.clientId));
    expect(exchanging).toEqual(['rest-proxy']);
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
    for (const name of ['mcp-network', 'mcp-itsm', 'mcp-github', 'rest-proxy']) {
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
