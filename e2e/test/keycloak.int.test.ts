// The identity suite on a real Keycloak 26 (started once per run by global-setup.ts) with the
// committed realm: the MCP servers and the REST proxy as processes, configured as compose configures them.
import { randomBytes } from 'node:crypto';
import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_USERS, devOtp } from '@mcp-platform/sandboxes/idp';
import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { POLICY_DIR } from '@mcp-platform/policies';
import { freePort, serviceProcess, startOpa, type RunningOpa, type ServiceProcess } from '@mcp-platform/test-support';
import { keycloakAdmin } from '@mcp-platform/tooling/keycloak';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { browserLogin, challengeParams, freshOtp } from './keycloak-browser.ts';

const kc = inject('keycloak');
const { admin } = keycloakAdmin(kc.url, kc.adminPassword);
// The audiences the committed realm issues (its audience client scopes), as compose runs the services.
const NETWORK_AUD = 'http://127.0.0.1:8101/mcp';
const ITSM_AUD = 'http://127.0.0.1:8102/mcp';
const PROXY_AUD = 'http://127.0.0.1:8080';

let opa: RunningOpa;
let catalyst: CatalystSimulator;
let servicenow: ServiceNowSimulator;
let network: ServiceProcess;
let itsm: ServiceProcess;
let proxy: ServiceProcess;

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function tokenRequest(params: Record<string, string>, basic?: [string, string]): Promise<string> {
  const res = await fetch(`${kc.issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: basic ? { authorization: `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}` } : {},
    body: new URLSearchParams(params),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token) throw new Error(`Keycloak token request failed: ${String(body.error)} ${String(body.error_description)}`);
  return body.access_token;
}

/** A user's token through the realm's public CLI client (password grant, the dev stand-in for a browser login). */
const userToken = (user: string, scope: string, password = `${user}-dev-password`): Promise<string> =>
  tokenRequest({ grant_type: 'password', client_id: 'mcp-dev-cli', username: user, password, scope });

async function mcp(server: ServiceProcess, token: string, method: string, params: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> | undefined; wwwAuthenticate: string | null }> {
  const res = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await res.text();
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  return { status: res.status, body: json ? (JSON.parse(json) as Record<string, unknown>) : undefined, wwwAuthenticate: res.headers.get('www-authenticate') };
}

const callTool = (server: ServiceProcess, token: string, name: string, args: Record<string, unknown>) => mcp(server, token, 'tools/call', { name, arguments: args });
const toolResult = (r: { body: Record<string, unknown> | undefined }) => r.body?.['result'] as { isError?: boolean; content: Array<{ text?: string }> } | undefined;

async function userId(username: string): Promise<string> {
  const users = (await admin('GET', `/mcp/users?username=${encodeURIComponent(username)}&exact=true`)) as Array<{ id: string }>;
  const id = users[0]?.id;
  if (id === undefined) throw new Error(`no user ${username}`);
  return id;
}

/** The server's authz-decision audit lines for one tool (tools/list decides every tool; this picks the call). */
const decisions = (p: ServiceProcess, tool: string) =>
  p.logs.filter((l) => (l['event'] as Record<string, unknown> | undefined)?.['action'] === 'authz-decision' && (l['mcp'] as Record<string, unknown> | undefined)?.['tool'] === tool);

beforeAll(async () => {
  opa = await startOpa({ policyDir: POLICY_DIR, decisionLogs: true });
  catalyst = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password' });
  servicenow = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'dev-only-servicenow-password' });
  const common = { OIDC_ISSUER: kc.issuer, OPA_URL: opa.url, AUTHZ_CACHE_TTL_MS: '0', OIDC_JWKS_REFRESH_MIN_INTERVAL_MS: '200' };
  network = serviceProcess('mcp-network', await freePort(), { ...common, OIDC_AUDIENCE: NETWORK_AUD, CATALYST_BASE_URL: catalyst.url });
  // mcp-itsm also asks Keycloak whether each (JWT) token is still active.
  itsm = serviceProcess('mcp-itsm', await freePort(), {
    ...common,
    OIDC_AUDIENCE: ITSM_AUD,
    SERVICENOW_INSTANCE_URL: servicenow.url,
    OIDC_INTROSPECTION_URL: `${kc.issuer}/protocol/openid-connect/token/introspect`,
    OIDC_CLIENT_ID: 'mcp-resource-server',
    OIDC_CLIENT_SECRET: 'mcp-resource-server-dev-secret',
    OIDC_INTROSPECT_JWT: 'true',
    OIDC_INTROSPECTION_CACHE_TTL_MS: '1000',
  });
  await Promise.all([network.start(), itsm.start()]);
  proxy = serviceProcess(
    'rest-proxy',
    await freePort(),
    {
      ...common,
      PUBLIC_URL: PROXY_AUD,
      AUTHZ_MODE: 'opa',
      PROXY_CLIENT_ID: 'rest-proxy',
      PROXY_CLIENT_SECRET: 'rest-proxy-dev-secret',
      PROXY_BACKENDS: JSON.stringify({ network: `${network.url}/mcp`, itsm: `${itsm.url}/mcp` }),
      TOKEN_EXCHANGE_SCOPES: JSON.stringify({ network: 'mcp:tools mcp-network', itsm: 'mcp:tools mcp-itsm' }),
    },
    { readyPath: '/healthz' },
  );
  await proxy.start();
});

afterAll(async () => {
  await Promise.allSettled([proxy?.stop(), network?.stop(), itsm?.stop()]);
  await Promise.allSettled([opa?.stop(), catalyst?.stop(), servicenow?.stop()]);
});

describe('Keycloak tokens at the MCP servers', () => {
  it('accepts a Keycloak token (audience scope, groups claim) and authorizes by the realm group', async () => {
    const token = await userToken('nina', 'openid mcp-network');
    expect(claims(token)).toMatchObject({ iss: kc.issuer, groups: ['network-engineers'] });
    expect(claims(token)['aud']).toContain(NETWORK_AUD);
    const r = await callTool(network, token, 'list_devices', { role: 'CORE' });
    expect(r.status).toBe(200);
    expect(toolResult(r)?.isError).toBeFalsy();
    const decision = decisions(network, 'list_devices').at(-1);
    expect(decision).toMatchObject({ user: { id: await userId('nina') }, event: { outcome: 'success' } });
  });

  it('a user without the group is denied by policy, not by authentication', async () => {
    const token = await userToken('eve', 'openid mcp-network');
    const r = await callTool(network, token, 'list_devices', { role: 'CORE' });
    expect(r.status).toBe(200);
    expect(toolResult(r)?.isError).toBe(true);
    expect(decisions(network, 'list_devices').at(-1)).toMatchObject({ user: { id: await userId('eve') }, event: { outcome: 'failure' } });
  });

  it("refuses another server's audience with 401 and the resource metadata challenge", async () => {
    const itsmToken = await userToken('nina', 'openid mcp-itsm');
    expect(claims(itsmToken)['aud']).not.toContain(NETWORK_AUD);
    const r = await mcp(network, itsmToken, 'tools/list', {});
    expect(r.status).toBe(401);
    expect(r.wwwAuthenticate).toMatch(/^Bearer .*resource_metadata="/);
    expect(r.wwwAuthenticate).toContain('invalid_token');
    // A token without any audience scope is refused as well.
    const bare = await userToken('nina', 'openid');
    expect((await mcp(network, bare, 'tools/list', {})).status).toBe(401);
  });

  it('client credentials: the agent-x service account acts with its own groups', async () => {
    const token = await tokenRequest({ grant_type: 'client_credentials', scope: 'mcp-network' }, ['agent-x', 'agent-x-dev-secret']);
    const c = claims(token);
    expect(c).toMatchObject({ azp: 'agent-x', groups: ['network-engineers'] });
    const r = await callTool(network, token, 'list_devices', { role: 'CORE' });
    expect(toolResult(r)?.isError).toBeFalsy();
    expect(decisions(network, 'list_devices').at(-1)).toMatchObject({ user: { id: c['sub'] }, event: { outcome: 'success' } });
    // A wrong client secret gets no token at all.
    await expect(tokenRequest({ grant_type: 'client_credentials', scope: 'mcp-network' }, ['agent-x', 'wrong'])).rejects.toThrow(/unauthorized_client|invalid_client/);
  });

  it('a signing key rotated through the admin API is picked up without a restart', async () => {
    const before = await userToken('nina', 'openid mcp-network');
    const realmId = ((await admin('GET', '/mcp')) as { id: string }).id;
    await admin('POST', '/mcp/components', {
      name: `rsa-rotated-${randomBytes(3).toString('hex')}`,
      providerId: 'rsa-generated',
      providerType: 'org.keycloak.keys.KeyProvider',
      parentId: realmId,
      config: { priority: ['1000000'], enabled: ['true'], active: ['true'], algorithm: ['RS256'], keySize: ['2048'] },
    });
    const after = await userToken('nina', 'openid mcp-network');
    const kid = (t: string) => (JSON.parse(Buffer.from(t.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string }).kid;
    expect(kid(after)).not.toBe(kid(before));
    await new Promise((r) => setTimeout(r, 250)); // OIDC_JWKS_REFRESH_MIN_INTERVAL_MS
    const r = await callTool(network, after, 'list_devices', { role: 'CORE' });
    expect(r.status).toBe(200);
    expect(toolResult(r)?.isError).toBeFalsy();
    // The previous key is still published (passive rotation), so tokens already out keep working.
    expect((await mcp(network, before, 'tools/list', {})).status).toBe(200);
  });
});

describe('a disabled user', () => {
  it('is refused where introspection is configured (mcp-itsm), within the introspection cache TTL', async () => {
    const username = `temp-${randomBytes(4).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    await admin('POST', '/mcp/users', {
      username,
      enabled: true,
      email: `${username}@example.test`,
      emailVerified: true,
      firstName: 'Temp',
      lastName: 'User',
      groups: ['/service-desk'],
      credentials: [{ type: 'password', value: password, temporary: false }],
    });
    const id = await userId(username);
    const token = await userToken(username, 'openid mcp-itsm', password);
    expect((await mcp(itsm, token, 'tools/list', {})).status).toBe(200);

    await admin('PUT', `/mcp/users/${id}`, { enabled: false });
    await new Promise((r) => setTimeout(r, 1_100)); // OIDC_INTROSPECTION_CACHE_TTL_MS
    const r = await mcp(itsm, token, 'tools/list', {});
    expect(r.status).toBe(401);
    expect(r.wwwAuthenticate).toContain('invalid_token');
    // And it can no longer log in.
    await expect(userToken(username, 'openid mcp-itsm', password)).rejects.toThrow(/invalid_grant/);
  });
});

describe('the REST proxy on Keycloak (RFC 8693 standard token exchange)', () => {
  it("exchanges the caller's token per backend; the backend audits the caller, not the proxy", async () => {
    const token = await userToken('nina', 'openid rest-proxy');
    expect(claims(token)['aud']).toContain(PROXY_AUD);
    const res = await fetch(`${proxy.url}/api/v1/mcp/network/tools/list_devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: { role: 'CORE' } }),
    });
    expect(res.status).toBe(200);
    const nina = await userId('nina');
    // Keycloak sets no `act` claim: the subject is still nina, the client is the proxy.
    const decision = decisions(network, 'list_devices').at(-1);
    expect(decision).toMatchObject({ user: { id: nina }, event: { outcome: 'success' } });
    expect(decision).toMatchObject({ mcp: { client_id: 'rest-proxy' } });
    // The proxy's own log names the same caller.
    expect(proxy.logs.some((l) => (l['user'] as Record<string, unknown> | undefined)?.['id'] === nina)).toBe(true);
  });

  it('a token for another audience is refused at the proxy (401), never exchanged', async () => {
    const token = await userToken('nina', 'openid mcp-network');
    const res = await fetch(`${proxy.url}/api/v1/mcp/network/tools/list_devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: { role: 'CORE' } }),
    });
    expect(res.status).toBe(401);
  });
});

// Step-up (RFC 9470) on Keycloak: the realm's ACR-to-LoA map (pwd = 1, mfa = 2), its browser flow
// whose level 2 is the OTP form, and the seeded DEV ONLY OTP credentials.
const CORE_SWITCH = 'de000000-0000-4000-8000-000000000001'; // sjc01-core-01 (simulator seed)
const INTERFACE_TEMPLATE = '7e000000-0000-4000-8000-000000000001';
describe('step-up authentication on Keycloak (RFC 9470, realm ACR-to-LoA map and OTP flow)', () => {
  it('a password login is level 1 (acr pwd); a CORE deploy with it gets the insufficient_user_authentication challenge; after the OTP step-up it runs', async () => {
    const before = catalyst.state.deployments.length;
    const password = await userToken('alice', 'openid mcp-network');
    // Level 1. (Keycloak's password grant sets no AUTH_TIME session note, so this token may lack
    // auth_time: the policy counts that as the weakest authentication too.)
    expect(claims(password)['acr']).toBe('pwd');
    // RFC 8176 methods, the dev IdP's values: the realm's amr mapper and the password step's reference.
    expect(claims(password)['amr']).toEqual(['pwd']);
    const deploy = (token: string) =>
      callTool(network, token, 'deploy_template', { template_id: INTERFACE_TEMPLATE, device_ids: [CORE_SWITCH], params: { interface: 'Te1/0/3', description: 'step-up on keycloak' } });

    const weak = await deploy(password);
    expect(weak.status).toBe(401);
    const params = challengeParams(weak.wwwAuthenticate);
    expect(params).toMatchObject({ error: 'insufficient_user_authentication', acr_values: 'mfa', max_age: '900' });
    expect(params['resource_metadata']).toMatch(/\/\.well-known\/oauth-protected-resource\/mcp$/);
    expect(catalyst.state.deployments.length).toBe(before);

    // The client acts on the challenge: a new login asking for acr_values=mfa walks the OTP step.
    const strong = await browserLogin({ issuer: kc.issuer, username: 'alice', scope: 'openid mcp-network', acr_values: params['acr_values']!, max_age: params['max_age']! });
    const s = claims(strong);
    expect(s).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'], iss: kc.issuer });
    expect(s['aud']).toContain(NETWORK_AUD);
    expect(s['auth_time']).toBeGreaterThan(Date.now() / 1000 - 300);
    const ok = await deploy(strong);
    expect(ok.status).toBe(200);
    expect(toolResult(ok)?.isError).toBeFalsy();
    expect(catalyst.state.deployments.length).toBe(before + 1);
    expect(decisions(network, 'deploy_template').at(-1)).toMatchObject({ user: { id: await userId('alice') }, event: { outcome: 'success' } });
    // The policy input carried how alice authenticated (OPA's decision log of the allowed deploy).
    const allowed = opa
      .output()
      .split('\n')
      .filter((l) => l.includes('"decision_id"') && l.includes('deploy_template') && l.includes('"allow":true'))
      .map((l) => JSON.parse(l) as { input?: { subject?: Record<string, unknown> } });
    expect(allowed.at(-1)?.input?.subject).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'] });
  });

  it('a one-time code works once: the same code in a second login gets no code and no token (otpPolicyCodeReusable false)', async () => {
    const carol = SEED_USERS.find((u) => u.username === 'carol')!;
    const code = await freshOtp('carol', carol.devOtpSecret);
    const first = await browserLogin({ issuer: kc.issuer, username: 'carol', scope: 'openid mcp-itsm', acr_values: 'mfa', otp: code });
    expect(claims(first)).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'] });
    await expect(browserLogin({ issuer: kc.issuer, username: 'carol', scope: 'openid mcp-itsm', acr_values: 'mfa', otp: code })).rejects.toThrow(/did not redirect with a code/);
  });

  it('a wrong one-time code gets no code and no token', async () => {
    const sam = SEED_USERS.find((u) => u.username === 'sam')!;
    const wrong = String((Number(devOtp(sam.devOtpSecret)) + 500_000) % 1_000_000).padStart(6, '0');
    await expect(browserLogin({ issuer: kc.issuer, username: 'sam', scope: 'openid mcp-network', acr_values: 'mfa', otp: wrong })).rejects.toThrow(/did not redirect with a code/);
  });
});
