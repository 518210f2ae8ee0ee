import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startVaultDouble, type VaultDouble } from './vault-double.ts';

describe('Vault test double: wire shapes', () => {
  let vault: VaultDouble;
  beforeEach(async () => {
    vault = await startVaultDouble({ rootToken: 'root', tokenTtlSeconds: 60 });
  });
  afterEach(() => vault.stop());

  const call = async (method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${vault.url}/v1/${path}`, {
      method,
      headers: { ...(token ? { 'X-Vault-Token': token } : {}), 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  it('KV v2: write increments versions, read returns data + metadata, missing is 404 {"errors":[]}', async () => {
    expect((await call('POST', 'secret/data/mcp/github', 'root', { data: { token: 'a' } })).json['data']).toMatchObject({ version: 1, destroyed: false });
    await call('POST', 'secret/data/mcp/github', 'root', { data: { token: 'b' } });
    const latest = await call('GET', 'secret/data/mcp/github', 'root');
    expect(latest.json['data']).toMatchObject({ data: { token: 'b' }, metadata: { version: 2, deletion_time: '' } });
    expect((await call('GET', 'secret/data/mcp/github?version=1', 'root')).json['data']).toMatchObject({ data: { token: 'a' } });
    expect(await call('GET', 'secret/data/mcp/absent', 'root')).toEqual({ status: 404, json: { errors: [] } });
    expect((await call('POST', 'secret/data/mcp/github', 'root', { data: { token: 'c' }, options: { cas: 1 } })).status).toBe(400);
  });

  it('no, unknown or under-privileged token: 403 permission denied', async () => {
    vault.writeSecret('mcp/github', { token: 'a' });
    expect(await call('GET', 'secret/data/mcp/github')).toEqual({ status: 403, json: { errors: ['permission denied'] } });
    expect((await call('GET', 'secret/data/mcp/github', 'nope')).status).toBe(403);
    const limited = vault.createToken({ policies: ['other'] });
    expect((await call('GET', 'secret/data/mcp/github', limited)).status).toBe(403);
    vault.setPolicy('other', { 'secret/data/mcp/*': ['read'] });
    expect((await call('GET', 'secret/data/mcp/github', limited)).status).toBe(200);
  });

  it('AppRole login issues a renewable token; renew-self extends it; expiry and revocation end it', async () => {
    vault.setAppRole('svc', { roleId: 'rid', secretId: 'sid', policies: ['p'], tokenTtlSeconds: 10 });
    expect(await call('POST', 'auth/approle/login', undefined, { role_id: 'rid', secret_id: 'bad' })).toEqual({ status: 400, json: { errors: ['invalid role or secret ID'] } });
    const login = await call('POST', 'auth/approle/login', undefined, { role_id: 'rid', secret_id: 'sid' });
    const auth = login.json['auth'] as { client_token: string; lease_duration: number; renewable: boolean; policies: string[] };
    expect(auth).toMatchObject({ lease_duration: 10, renewable: true, policies: ['default', 'p'] });

    vault.advance(8_000);
    expect((await call('GET', 'auth/token/lookup-self', auth.client_token)).json['data']).toMatchObject({ ttl: 2, creation_ttl: 10 });
    expect((await call('POST', 'auth/token/renew-self', auth.client_token, {})).json['auth']).toMatchObject({ lease_duration: 10 });
    vault.advance(10_000);
    expect(await call('POST', 'auth/token/renew-self', auth.client_token, {})).toEqual({ status: 403, json: { errors: ['permission denied'] } });

    const again = (await call('POST', 'auth/approle/login', undefined, { role_id: 'rid', secret_id: 'sid' })).json['auth'] as { client_token: string };
    vault.revokeAllTokens();
    expect((await call('GET', 'auth/token/lookup-self', again.client_token)).status).toBe(403);
    expect((await call('GET', 'auth/token/lookup-self', 'root')).status).toBe(200);
  });

  it('sealed: health 503, seal-status 200 sealed, everything else 503 "Vault is sealed"', async () => {
    expect((await call('GET', 'sys/health')).status).toBe(200);
    vault.seal();
    expect(await call('GET', 'sys/health')).toMatchObject({ status: 503, json: { sealed: true, initialized: true } });
    expect((await call('GET', 'sys/health?sealedcode=200')).status).toBe(200);
    expect(await call('GET', 'sys/seal-status')).toMatchObject({ status: 200, json: { sealed: true, type: 'shamir' } });
    expect(await call('GET', 'secret/data/mcp/github', 'root')).toEqual({ status: 503, json: { errors: ['Vault is sealed'] } });
    vault.unseal();
    expect((await call('GET', 'secret/data/mcp/github', 'root')).status).toBe(404);
  });

  it('records requests with method, path, token and status', async () => {
    await call('GET', 'secret/data/mcp/x', 'root');
    expect(vault.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/secret/data/mcp/x', token: 'root', status: 404 });
  });
});
