// The production profile run as processes: every service of docker-compose.yml with the environment
// compose gives it (packages/tooling/src/compose-local.ts: PLATFORM_PROFILE=production, Keycloak on HTTPS as
// issuer, OpenBao provisioned by deploy/vault/init.sh itself with per-service policies and AppRoles,
// the OPA server with compose's bundle and config, Redis, Temporal), on free ports. One path end to
// end: a Keycloak login, a tool call through the gateway and one through the REST proxy, the upstream
// credential read through the server's AppRole, and the audit trail (ECS lines, OPA decision log).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { composeEnvironment, nodeServices, readComposeFile, startProductionShape, type RunningProductionShape } from '@mcp-platform/tooling/production';
import { keycloakAdmin } from '@mcp-platform/tooling/keycloak';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from './global-setup.ts';
import { browserLogin, challengeParams } from './keycloak-browser.ts';

const kc = inject('keycloak');
const { admin } = keycloakAdmin(kc.url, kc.adminPassword);
const compose = readComposeFile(join(ROOT, 'docker-compose.yml'));

let shape: RunningProductionShape;
let workDir: string;
/** Every component's output, by compose service name. */
const output = new Map<string, string>();

/** A Node service's ECS lines, parsed. */
function ecs(service: string): Record<string, unknown>[] {
  return (output.get(service) ?? '').split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
const field = (line: Record<string, unknown>, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], line);

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A Keycloak login on the HTTPS issuer: the realm's public CLI client, password grant (DEV ONLY seeded password). */
async function login(user: string, scope: string): Promise<string> {
  const res = await fetch(`${shape.issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'mcp-dev-cli', username: user, password: `${user}-dev-password`, scope }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (body.access_token === undefined) throw new Error(`Keycloak login failed: ${String(body.error)}`);
  return body.access_token;
}

async function userId(username: string): Promise<string> {
  const users = (await admin('GET', `/mcp/users?username=${encodeURIComponent(username)}&exact=true`)) as Array<{ id: string }>;
  return users[0]?.id ?? '';
}

beforeAll(async () => {
  // This process trusts the dev CA as the services do (compose: NODE_EXTRA_CA_CERTS=/certs/ca.pem).
  setDefaultCACertificates([...getCACertificates('default'), readFileSync(join(kc.certsDir, 'ca.pem'), 'utf8')]);
  workDir = mkdtempSync(join(tmpdir(), 'production-shape-'));
  const started = Date.now();
  shape = await startProductionShape({
    root: ROOT,
    workDir,
    ports: 'ephemeral',
    certsDir: kc.certsDir,
    keycloak: { httpsUrl: kc.httpsUrl },
    output: (name, chunk) => output.set(name, (output.get(name) ?? '') + chunk),
  });
  process.stderr.write(`production shape: ${String(Object.keys(shape.services).length)} Node services ready in ${String(Math.round((Date.now() - started) / 1000))} s\n`);
}, 900_000);

afterAll(async () => {
  await shape?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('the production profile as processes', () => {
  it('runs every Node service of compose, each with compose\'s production settings', () => {
    const names = nodeServices(compose).map((s) => s.name);
    expect(Object.keys(shape.services).sort()).toEqual([...names].sort());
    for (const name of ['mcp-network', 'mcp-itsm', 'mcp-github', 'mcp-analysis', 'mcp-gateway', 'rest-proxy', 'deploy-worker']) expect(names).toContain(name);
    for (const name of names) {
      const env = shape.services[name]!.env;
      const composed = composeEnvironment(compose.services[name]!);
      if (composed['PLATFORM_PROFILE'] !== undefined) expect(env['PLATFORM_PROFILE'], name).toBe('production');
      if (composed['OIDC_ISSUER'] !== undefined) expect(env['OIDC_ISSUER'], name).toBe(shape.issuer);
      if (composed['VAULT_AUTH_METHOD'] !== undefined) expect(env, name).toMatchObject({ VAULT_AUTH_METHOD: 'approle', ALLOW_DEV_SECRETS: 'false' });
      // Nothing still points into a container or at a compose host name, except the identity (PUBLIC_URL).
      for (const [k, v] of Object.entries(env)) if (k !== 'PUBLIC_URL') expect(v, `${name} ${k}`).not.toMatch(/^\/(certs|approle|app)\/|\/\/(keycloak|opa|vault|redis|mcp-[a-z]+|rest-proxy)[:/]|0\.0\.0\.0/);
    }
    expect(shape.issuer).toMatch(/^https:\/\/localhost:\d+\/realms\/mcp$/);
  });

  it('a Keycloak login, then a tool call through the gateway: audited at the gateway and the server, the upstream credential read through AppRole', async () => {
    const token = await login('nina', 'openid mcp-gateway');
    expect(claims(token)).toMatchObject({ iss: shape.issuer, groups: ['network-engineers'] });
    const gateway = shape.services['mcp-gateway']!;
    expect(claims(token)['aud']).toContain(gateway.env['PUBLIC_URL']);
    const client = new Client({ name: 'production-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), { authProvider: { token: async () => token } }));
    try {
      const result = await client.callTool({ name: 'network__list_devices', arguments: { role: 'CORE' } });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(JSON.stringify(result.structuredContent)).toContain('sjc01-core-01');
    } finally {
      await client.close();
    }
    const nina = await userId('nina');
    // The server audited the caller (not the gateway) and read its upstream credential from OpenBao.
    const decision = ecs('mcp-network').filter((l) => field(l, 'event.action') === 'authz-decision' && field(l, 'mcp.tool') === 'list_devices').at(-1);
    expect(decision).toMatchObject({ user: { id: nina }, event: { kind: 'event', category: ['iam'], outcome: 'success' }, mcp: { client_id: 'mcp-gateway' } });
    expect(decision).toMatchObject({ service: { name: 'mcp-network', environment: 'compose' } });
    const read = ecs('mcp-network').find((l) => field(l, 'event.action') === 'secret-read');
    expect(read).toMatchObject({ event: { kind: 'event', category: ['configuration'], outcome: 'success' }, secret: { name: 'catalyst-center', source: 'vault' } });
    expect(ecs('mcp-gateway').some((l) => field(l, 'user.id') === nina)).toBe(true);
    // The DEV ONLY upstream password reached no log line.
    expect(output.get('mcp-network')).not.toContain('dev-only-catalyst-password');
  });

  it('mcp-network logged in to OpenBao with its own AppRole (the id files init.sh wrote), whose token reads only its path', async () => {
    const list = await fetch(`${shape.bao.url}/v1/auth/token/accessors?list=true`, { headers: { 'X-Vault-Token': shape.bao.rootToken } });
    const accessors = ((await list.json()) as { data: { keys: string[] } }).data.keys;
    const tokens = await Promise.all(accessors.map(async (accessor) => (await shape.bao.api('POST', 'auth/token/lookup-accessor', { accessor }))['data'] as { path: string; policies: string[]; meta: Record<string, string> | null }));
    const approle = tokens.filter((t) => t.path === 'auth/approle/login');
    expect(approle.find((t) => t.meta?.['role_name'] === 'mcp-network')?.policies).toEqual(['default', 'mcp-network']);
    // The policy init.sh wrote for the role: its one upstream, nothing else.
    const policy = ((await shape.bao.api('GET', 'sys/policies/acl/mcp-network'))['data'] as { policy: string }).policy;
    expect(policy).toContain('secret/data/mcp/catalyst-center');
    expect(policy).not.toContain('secret/data/mcp/github');
  });

  it('a Keycloak login, then a tool call through the REST proxy (RFC 8693 exchange on Keycloak, OPA server decision log)', async () => {
    const token = await login('nina', 'openid rest-proxy');
    const proxy = shape.services['rest-proxy']!;
    expect(claims(token)['aud']).toContain(proxy.env['PUBLIC_URL']);
    const res = await fetch(`${proxy.url}/api/v1/mcp/network/tools/list_devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: { role: 'CORE', limit: 5 } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const nina = await userId('nina');
    expect(ecs('rest-proxy').some((l) => field(l, 'user.id') === nina)).toBe(true);
    const decision = ecs('mcp-network').filter((l) => field(l, 'event.action') === 'authz-decision' && field(l, 'mcp.tool') === 'list_devices').at(-1);
    expect(decision).toMatchObject({ user: { id: nina }, mcp: { client_id: 'rest-proxy' }, event: { outcome: 'success' } });
    // The OPA server (compose's command and config) logged its decisions with the arguments masked.
    await expect.poll(() => (output.get('opa') ?? '').includes('"decision_id"'), { timeout: 15_000 }).toBe(true);
    const decisionLogs = (output.get('opa') ?? '').split('\n').filter((l) => l.includes('"decision_id"') && l.includes('list_devices'));
    expect(decisionLogs.length).toBeGreaterThan(0);
    expect(decisionLogs.join('\n')).not.toContain('"role":"CORE"');
  });
});

// Step-up (RFC 9470) through the two front doors, on Keycloak: the backend's challenge becomes the
// gateway's (the proxy's) own, naming its own resource metadata; after the OTP login the call goes through
// — the front door exchanges the stronger token, and the backend's policy sees its amr and auth_time.
const CORE_SWITCH = 'de000000-0000-4000-8000-000000000001'; // sjc01-core-01 (simulator seed)
const INTERFACE_TEMPLATE = '7e000000-0000-4000-8000-000000000001';

/** One stateless JSON-RPC `tools/call` on the gateway, raw, to see the HTTP status and challenge. */
async function gatewayCall(token: string, name: string, args: Record<string, unknown>): Promise<{ status: number; challenge: string | null; result: { isError?: boolean; content?: unknown } | undefined }> {
  const res = await fetch(`${shape.services['mcp-gateway']!.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  const text = await res.text();
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  const body = json === undefined ? undefined : (JSON.parse(json) as { result?: { isError?: boolean; content?: unknown } });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), result: body?.result };
}

describe('step-up through the gateway and the REST proxy on Keycloak (RFC 9470)', () => {
  it('gateway: a password login gets the gateway\'s own challenge for a CORE deploy; after the OTP login the deploy runs', async () => {
    const deploy = (token: string) =>
      gatewayCall(token, 'network__deploy_template', { template_id: INTERFACE_TEMPLATE, device_ids: [CORE_SWITCH], params: { interface: 'Te1/0/4', description: 'step-up through the gateway' } });
    const password = await login('alice', 'openid mcp-gateway');
    expect(claims(password)['acr']).toBe('pwd');
    const weak = await deploy(password);
    expect(weak.status).toBe(401);
    const params = challengeParams(weak.challenge);
    expect(params).toMatchObject({ error: 'insufficient_user_authentication', acr_values: 'mfa', max_age: '900' });
    // The gateway's own resource metadata (its PUBLIC_URL), not the backend's.
    expect(params['resource_metadata']).toBe(`${new URL(shape.services['mcp-gateway']!.env['PUBLIC_URL']!).origin}/.well-known/oauth-protected-resource/mcp`);

    const strong = await browserLogin({ issuer: shape.issuer, username: 'alice', scope: 'openid mcp-gateway', acr_values: params['acr_values']!, max_age: params['max_age']! });
    expect(claims(strong)).toMatchObject({ acr: 'mfa', iss: shape.issuer });
    const ok = await deploy(strong);
    expect(ok.status).toBe(200);
    expect(ok.result?.isError, JSON.stringify(ok.result?.content)).toBeFalsy();
    const alice = await userId('alice');
    const decision = ecs('mcp-network').filter((l) => field(l, 'event.action') === 'authz-decision' && field(l, 'mcp.tool') === 'deploy_template').at(-1);
    expect(decision).toMatchObject({ user: { id: alice }, mcp: { client_id: 'mcp-gateway' }, event: { outcome: 'success' } });
    // What the backend's policy saw: Keycloak's exchange recomputed acr for the gateway's client (pwd)
    // but kept amr and auth_time — the second factor counts through amr (policies/mcp/step_up.rego).
    const allowed = (output.get('opa') ?? '')
      .split('\n')
      .filter((l) => l.includes('"decision_id"') && l.includes('"deploy_template"') && l.includes('"allow":true'))
      .map((l) => JSON.parse(l) as { input?: { subject?: Record<string, unknown> } });
    expect(allowed.at(-1)?.input?.subject).toMatchObject({ client_id: 'mcp-gateway', amr: ['pwd', 'otp'] });
    expect(allowed.at(-1)?.input?.subject?.['auth_age_seconds']).toBeLessThan(900);
  });

  it('REST proxy: a password login gets the proxy\'s ERR_STEP_UP_REQUIRED challenge for a GitHub write; after the OTP login the issue is created', async () => {
    const proxy = shape.services['rest-proxy']!;
    const create = (token: string) =>
      fetch(`${proxy.url}/api/v1/mcp/github/tools/create_issue`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ arguments: { owner: 'acme-apps', repo: 'svc-01', title: 'step-up through the REST proxy' } }),
      });
    const password = await login('dave', 'openid rest-proxy');
    const weak = await create(password);
    expect(weak.status).toBe(401);
    expect(((await weak.json()) as { code?: string }).code).toBe('ERR_STEP_UP_REQUIRED');
    const params = challengeParams(weak.headers.get('www-authenticate'));
    expect(params).toMatchObject({ error: 'insufficient_user_authentication', acr_values: 'mfa', max_age: '900' });
    expect(params['resource_metadata']).toContain(new URL(proxy.env['PUBLIC_URL']!).origin);

    const strong = await browserLogin({ issuer: shape.issuer, username: 'dave', scope: 'openid rest-proxy', acr_values: params['acr_values']!, max_age: params['max_age']! });
    const ok = await create(strong);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain('step-up through the REST proxy');
  });
});
