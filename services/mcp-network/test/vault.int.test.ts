import { fileURLToPath } from 'node:url';
import { provisionAppRoles, startDevOpenBao, type DevOpenBao } from '@mcp-platform/tooling/openbao';
import { startVaultRecorder, type VaultRecorder } from '@mcp-platform/test-support';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type NetworkHarness } from './harness.ts';

// mcp-network reading its Catalyst Center credentials from a real OpenBao (`bao server -dev`),
// provisioned as deploy/vault/init.sh provisions Vault: the committed mcp-network policy and its AppRole.
let bao: DevOpenBao;
let vault: VaultRecorder;
let h: NetworkHarness;
let SECRET_ID = '';
const CACHE_TTL_MS = 1_500;
const POLICY_DIR = fileURLToPath(new URL('../../../deploy/vault/policies', import.meta.url));

const kvReads = () => vault.requests.filter((r) => r.method === 'GET' && r.path === '/v1/secret/data/mcp/catalyst-center').length;
const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const writeSecret = (data: Record<string, string>) => bao.api('POST', 'secret/data/mcp/catalyst-center', { data });

beforeAll(async () => {
  bao = await startDevOpenBao();
  vault = await startVaultRecorder(bao.url);
  const { 'mcp-network': role } = await provisionAppRoles(bao, POLICY_DIR, ['mcp-network']);
  SECRET_ID = role?.secretId ?? '';
  await writeSecret({ username: 'admin', password: 'vault-catalyst-pw-1' });
  h = await startHarness(
    {
      VAULT_ADDR: vault.url,
      VAULT_AUTH_METHOD: 'approle',
      VAULT_ROLE_ID: role?.roleId ?? '',
      VAULT_SECRET_ID: SECRET_ID,
      SECRETS_CACHE_TTL_MS: String(CACHE_TTL_MS),
      ALLOW_DEV_SECRETS: 'false',
      // Every list_sites below must reach Catalyst Center (the credential path is the subject), not the read cache.
      UPSTREAM_CACHE_FRESH_MS: '0',
    },
    { username: 'admin', password: 'vault-catalyst-pw-1' },
  );
});
afterAll(async () => {
  await h?.stop();
  await vault?.stop();
  await bao?.stop();
});

describe('mcp-network with credentials from OpenBao (AppRole, the committed policy)', () => {
  it('logs in with AppRole and reads mcp/catalyst-center once for repeated calls', async () => {
    const client = await h.client('nina');
    for (let i = 0; i < 3; i++) expect(((await client.callTool({ name: 'list_sites', arguments: {} })) as CallToolResult).isError).toBeFalsy();
    expect(vault.requests.some((r) => r.path === '/v1/auth/approle/login')).toBe(true);
    expect(kvReads()).toBe(1);
  });

  it('when Catalyst Center rejects the credential, re-reads Vault once and retries', async () => {
    const before = kvReads();
    // An operator rotates the password: Catalyst Center and Vault have the new one, the server's cache the old.
    h.sim.setCredentials({ username: 'admin', password: 'vault-catalyst-pw-2' });
    await writeSecret({ username: 'admin', password: 'vault-catalyst-pw-2' });
    h.sim.expireTokens();
    const r = (await (await h.client('nina')).callTool({ name: 'list_sites', arguments: {} })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(kvReads()).toBe(before + 1);
  });

  it('a credential Vault also has wrong fails cleanly after exactly one refetch', async () => {
    h.sim.setCredentials({ username: 'admin', password: 'only-the-upstream-knows' });
    h.sim.expireTokens();
    const before = kvReads();
    const r = (await (await h.client('nina')).callTool({ name: 'list_sites', arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe("Catalyst Center rejected the platform's credentials; an operator must rotate them.");
    expect(r._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_UPSTREAM_AUTH' });
    expect(kvReads()).toBe(before + 1);
    h.sim.setCredentials({ username: 'admin', password: 'vault-catalyst-pw-2' });
  });

  it('Vault sealed: serves the cached secret until its TTL ends, then fails with a clear, non-leaking error', async () => {
    const client = await h.client('nina');
    h.sim.expireTokens();
    expect(((await client.callTool({ name: 'list_sites', arguments: {} })) as CallToolResult).isError).toBeFalsy(); // fresh secret in cache
    await bao.seal();
    h.sim.expireTokens();
    expect(((await client.callTool({ name: 'list_sites', arguments: {} })) as CallToolResult).isError).toBeFalsy(); // from cache
    await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 200));
    h.sim.expireTokens();
    const r = (await client.callTool({ name: 'list_sites', arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('Credentials for Catalyst Center are unavailable right now; try again later.');
    // Degraded, not dead: the replica still answers what its cached secrets allow, and the rest with a named error.
    const ready = await fetch(new URL('/readyz', h.server.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'degraded', checks: { secrets: false } });
    await bao.unseal();
    expect(((await client.callTool({ name: 'list_sites', arguments: {} })) as CallToolResult).isError).toBeFalsy();
  });

  it('never logs a credential', () => {
    const raw = h.rawLogs();
    for (const secret of ['vault-catalyst-pw-1', 'vault-catalyst-pw-2', SECRET_ID]) expect(raw).not.toContain(secret);
    const reads = h.logs.filter((l) => (l['event'] as Record<string, unknown>)['action'] === 'secret-read');
    expect(reads.length).toBeGreaterThan(0);
    expect((reads[0]?.['event'] as Record<string, unknown>)['category']).toEqual(['configuration']);
  });
});

describe('signing-key rotation at the identity provider', () => {
  it('accepts tokens signed with the new key without restarting the server', async () => {
    const before = await h.token('nina');
    await h.idp.rotateKeys();
    // An unknown kid triggers a JWKS refresh at most once per OIDC_JWKS_REFRESH_MIN_INTERVAL_MS (200 ms here).
    await new Promise((r) => setTimeout(r, 250));
    const after = await h.token('nina');
    const header = (t: string) => JSON.parse(Buffer.from(t.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string };
    expect(header(after).kid).not.toBe(header(before).kid);
    const res = await fetch(h.server.publicUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${after}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    const failures = h.logs.filter((l) => (l['event'] as Record<string, unknown>)['action'] === 'authentication').map((l) => (l['event'] as Record<string, unknown>)['reason']);
    expect({ status: res.status, failures }).toMatchObject({ status: 200 });
  });
});
