// Integration suite for the Vault secret provider against a real server: OpenBao
// (`bao server -dev`, started once for the file), or a real Vault when VAULT_ADDR and
// VAULT_TOKEN (a root-capable token) are set.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBERNETES_TEST_CA_PEM, MemoryLogger, startKubernetesTokenReview } from '@mcp-platform/test-support';
import { PlatformError } from '../errors/base.ts';
import { SecretNotFoundError, SecretUnavailableError, withUpstreamCredentials, type SecretProvider } from './index.ts';
import { createVaultSecretProvider, type VaultAuth, type VaultSecretProviderOptions } from './vault-provider.ts';
import { startVaultFixture, startVaultServer, type VaultFixture, type VaultServer } from '../../test/vault-fixture.ts';
import { z } from 'zod';

const tokenSecret = z.object({ token: z.string().min(1) }).describe('token');

const env = { VAULT_ADDR: process.env['VAULT_ADDR'], VAULT_TOKEN: process.env['VAULT_TOKEN'] };
const EXTERNAL = Boolean(env.VAULT_ADDR && env.VAULT_TOKEN);
/** Tests that seal the server need its unseal key: they run on the OpenBao the suite owns. */
function itOwned(name: string, needs: string, fn: () => Promise<void>): void {
  if (EXTERNAL) it.skip(`${name} [skipped on VAULT_ADDR: needs ${needs}]`, fn);
  else it(name, fn);
}

let server: VaultServer;
beforeAll(async () => {
  server = await startVaultServer(env);
});
afterAll(async () => {
  await server?.close();
});

describe(`Vault secret provider against ${EXTERNAL ? 'the Vault at VAULT_ADDR' : 'OpenBao (bao server -dev)'}`, () => {
  let vault: VaultFixture;
  let log: MemoryLogger;
  let clock: number;
  let providers: SecretProvider[];
  /** Every secret value written in a test: none may appear in any log line or error message. */
  let written: string[];

  beforeEach(async () => {
    providers = [];
    written = [];
    log = new MemoryLogger();
    clock = Date.parse('2026-11-22T10:00:00Z');
    vault = await startVaultFixture(server);
  });

  afterEach(async () => {
    await Promise.all(providers.map((p) => p.close()));
    // A test that failed while the server was sealed must not take the rest of the file with it.
    if (server.openbao && ((await server.api('GET', 'sys/seal-status'))['sealed'] as boolean)) await server.openbao.unseal();
    await vault.close();
    const text = log.text();
    for (const value of written) expect(text).not.toContain(value);
  });

  function secretValue(label: string): string {
    const v = `${label}-${randomBytes(8).toString('hex')}`;
    written.push(v);
    return v;
  }

  function provider(auth: VaultAuth, extra: Partial<VaultSecretProviderOptions> = {}): SecretProvider {
    const p = createVaultSecretProvider({
      address: vault.address,
      auth,
      pathPrefix: vault.pathPrefix,
      logger: log,
      audit: log,
      now: () => clock,
      cacheTtlMs: 60_000,
      ...extra,
    });
    providers.push(p);
    return p;
  }

  const kvReads = (name: string): number =>
    vault.requests.filter((r) => r.method === 'GET' && r.path === `/v1/secret/data/${vault.pathPrefix}${name}`).length;

  it('reads a KV v2 secret with token auth and audits the read without the value', async () => {
    const password = secretValue('pw');
    await vault.writeSecret('servicenow', { username: 'svc-mcp', password });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) });

    await expect(secrets.get('servicenow')).resolves.toEqual({ username: 'svc-mcp', password });
    await expect(secrets.get('servicenow')).resolves.toEqual({ username: 'svc-mcp', password });

    expect(kvReads('servicenow')).toBe(1);
    const audits = log.audits('secret-read');
    expect(audits.map((a) => (a.fields?.['secret'] as { source: string }).source)).toEqual(['vault', 'cache']);
    expect(audits[0]).toMatchObject({
      category: ['configuration'],
      outcome: 'success',
      fields: { secret: { name: 'servicenow', source: 'vault', version: 1 } },
    });
    expect(JSON.stringify(audits)).not.toContain(password);
  });

  it('rejects a missing secret with SecretNotFoundError and audits the failure', async () => {
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) });
    const err = await secrets.get('does-not-exist').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretNotFoundError);
    expect(err).toMatchObject({ code: 'ERR_SECRET_NOT_FOUND' });
    expect(log.audits('secret-read')[0]).toMatchObject({ outcome: 'failure', reason: 'ERR_SECRET_NOT_FOUND' });
  });

  it('rejects a token Vault does not know as unavailable (login-failed), naming no token', async () => {
    const bogus = `hvs.${randomBytes(12).toString('hex')}`;
    written.push(bogus);
    const secrets = provider({ method: 'token', token: bogus });
    const err = await secrets.get('github').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err).toMatchObject({ reason: 'login-failed' });
    expect(String((err as Error).message)).not.toContain(bogus);
    expect(await secrets.ready()).toBe(false);
  });

  it('a path outside the policy is denied (reason denied), after exactly one re-login for AppRole', async () => {
    const outside = `mcp-other-${randomBytes(3).toString('hex')}/github`;
    await server.api('POST', `secret/data/${outside}`, { data: { token: secretValue('other') } });
    try {
      const secrets = provider({ method: 'approle', ...(await vault.createAppRole(3600)) }, { pathPrefix: '' });
      await expect(secrets.get(`${vault.pathPrefix}ok`).catch((e: unknown) => e)).resolves.toMatchObject({ code: 'ERR_SECRET_NOT_FOUND' });
      const err = await secrets.get(outside).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretUnavailableError);
      expect(err).toMatchObject({ reason: 'denied', secretName: outside });
      const reads = vault.requests.filter((r) => r.path === `/v1/secret/data/${outside}`).map((r) => r.status);
      expect(reads).toEqual([403, 403]); // denied, re-login (the token might have been revoked), denied again: no loop
      expect(vault.requests.filter((r) => r.path === '/v1/auth/approle/login')).toHaveLength(2);
    } finally {
      await server.api('DELETE', `secret/metadata/${outside}`).catch(() => undefined);
    }
  });

  it('logs in with AppRole, reads, and revokes its token on close', async () => {
    const token = secretValue('ghp');
    await vault.writeSecret('github', { token });
    const secrets = provider({ method: 'approle', ...(await vault.createAppRole(3600)) });

    await expect(secrets.get('github')).resolves.toEqual({ token });
    expect(await secrets.ready()).toBe(true);
    const logins = vault.requests.filter((r) => r.path === '/v1/auth/approle/login');
    expect(logins).toHaveLength(1);
    expect(logins[0]?.status).toBe(200);
    expect(logins[0]?.token).toBeUndefined(); // no VAULT_TOKEN from the environment leaks into a login

    await secrets.close();
    expect(vault.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/auth/token/revoke-self', status: 204 });
    await expect(secrets.get('github')).rejects.toBeInstanceOf(TypeError);
  });

  it('fails AppRole login with a wrong secret_id as unavailable (login-failed)', async () => {
    const { roleId } = await vault.createAppRole(3600);
    const wrong = randomBytes(16).toString('hex');
    written.push(wrong);
    const secrets = provider({ method: 'approle', roleId, secretId: wrong });
    const err = await secrets.get('github').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SECRET_UNAVAILABLE', reason: 'login-failed' });
    expect((err as Error).cause).toMatchObject({ code: 'ERR_VAULT_LOGIN' });
  });

  itOwned('logs in with Kubernetes auth using the service-account JWT file', 'the kubernetes auth method enabled on its own server', async () => {
    const k8s = await startKubernetesTokenReview();
    const dir = await mkdtemp(join(tmpdir(), 'k8s-sa-'));
    try {
      try {
        await server.api('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
      } catch (err) {
        if (!String(err).includes('path is already in use')) throw err;
      }
      await server.api('POST', 'auth/kubernetes/config', {
        kubernetes_host: k8s.url,
        kubernetes_ca_cert: KUBERNETES_TEST_CA_PEM,
        token_reviewer_jwt: k8s.reviewerToken,
        disable_local_ca_jwt: true,
      });
      await server.api('POST', 'auth/kubernetes/role/mcp-network', {
        bound_service_account_names: ['mcp-network'],
        bound_service_account_namespaces: ['mcp'],
        token_policies: [vault.policyName],
        token_ttl: '1h',
      });
      const jwtPath = join(dir, 'token');
      const jwt = k8s.issue({ namespace: 'mcp', serviceAccount: 'mcp-network' });
      written.push(jwt);
      await writeFile(jwtPath, `${jwt}\n`);
      const password = secretValue('dnac');
      await vault.writeSecret('catalyst-center', { username: 'admin', password });

      const secrets = provider({ method: 'kubernetes', role: 'mcp-network', jwtPath });
      await expect(secrets.get('catalyst-center')).resolves.toEqual({ username: 'admin', password });
      const login = vault.requests.find((r) => r.path === '/v1/auth/kubernetes/login');
      expect(login).toMatchObject({ status: 200, body: { role: 'mcp-network', jwt } });
      expect(k8s.reviews()).toBe(1);

      // A service account the role is not bound to is refused.
      await writeFile(jwtPath, k8s.issue({ namespace: 'mcp', serviceAccount: 'intruder' }));
      const other = provider({ method: 'kubernetes', role: 'mcp-network', jwtPath });
      await expect(other.get('catalyst-center')).rejects.toMatchObject({ reason: 'login-failed' });
      // A token the cluster no longer vouches for is refused too.
      k8s.revoke(jwt);
      await writeFile(jwtPath, jwt);
      const revoked = provider({ method: 'kubernetes', role: 'mcp-network', jwtPath });
      await expect(revoked.get('catalyst-center')).rejects.toMatchObject({ reason: 'login-failed' });
    } finally {
      await k8s.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  itOwned('reads inside the configured namespace and sends it on every request', 'namespaces (OpenBao 2.3+ or Vault Enterprise)', async () => {
    const ns = `team-${randomBytes(3).toString('hex')}`;
    await server.api('POST', `sys/namespaces/${ns}`, {});
    try {
      await server.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, ns);
      await server.api('PUT', 'sys/policies/acl/read', { policy: `path "secret/data/${vault.pathPrefix}*" { capabilities = ["read"] }` }, ns);
      const token = ((await server.api('POST', 'auth/token/create', { policies: ['read'], ttl: '1h' }, ns))['auth'] as { client_token: string }).client_token;
      const inNamespace = secretValue('ns');
      await server.api('POST', `secret/data/${vault.pathPrefix}github`, { data: { token: inNamespace } }, ns);
      await vault.writeSecret('github', { token: secretValue('root-ns') }); // same path in the root namespace

      const secrets = provider({ method: 'token', token }, { namespace: ns });
      await expect(secrets.get('github')).resolves.toEqual({ token: inNamespace });
      const seen = vault.requests.filter((r) => r.path !== '/v1/sys/health');
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.namespace === ns)).toBe(true);
      await secrets.close();
    } finally {
      await server.api('DELETE', `sys/namespaces/${ns}`).catch(() => undefined);
    }
  });

  it('renews a token before it expires (renew-self at 2/3 of the lease)', async () => {
    const token = await vault.createToken(3);
    await vault.writeSecret('github', { token: secretValue('ghp') });
    const secrets = provider({ method: 'token', token });
    await secrets.get('github');
    const start = Date.now();

    await vi.waitFor(() => expect(vault.requests.some((r) => r.path === '/v1/auth/token/renew-self' && r.status === 200)).toBe(true), {
      timeout: 4000,
      interval: 50,
    });
    const elapsed = Date.now() - start;
    expect(elapsed).toBeLessThan(3000); // before the 3 s lease ran out
    expect(vault.requests.find((r) => r.path === '/v1/auth/token/renew-self')?.token).toBe(token);
    expect(vault.requests.find((r) => r.path === '/v1/auth/token/renew-self')?.body).toEqual({ increment: 3 });
    // Still valid after the original lease would have ended.
    await new Promise((r) => setTimeout(r, 3200 - elapsed));
    secrets.invalidate('github');
    await expect(secrets.get('github')).resolves.toBeDefined();
  });

  it('logs in again when renewal fails (token revoked)', async () => {
    await vault.writeSecret('github', { token: secretValue('ghp') });
    const secrets = provider({ method: 'approle', ...(await vault.createAppRole(2)) });
    await secrets.get('github');
    await vault.revokeSeenTokens();

    await vi.waitFor(() => expect(vault.requests.filter((r) => r.path === '/v1/auth/approle/login')).toHaveLength(2), { timeout: 4000, interval: 50 });
    const renew = vault.requests.find((r) => r.path === '/v1/auth/token/renew-self');
    expect(renew?.status).toBe(403);
    expect(log.lines.some((l) => l.message === 'vault token renewal failed')).toBe(true);

    secrets.invalidate('github');
    await expect(secrets.get('github')).resolves.toBeDefined();
    const lastRead = vault.requests.filter((r) => r.path.startsWith('/v1/secret/data/')).at(-1);
    expect(lastRead?.status).toBe(200);
    expect(lastRead?.token).not.toBe(renew?.token);
  });

  it('logs in again and retries once when a read is denied because the token is no longer valid', async () => {
    await vault.writeSecret('github', { token: secretValue('ghp') });
    const secrets = provider({ method: 'approle', ...(await vault.createAppRole(60)) });
    await secrets.get('github');
    await vault.revokeSeenTokens(); // the token dies on the server long before our renewal timer (at 40 s) fires
    secrets.invalidate('github');

    await expect(secrets.get('github')).resolves.toBeDefined();
    const reads = vault.requests.filter((r) => r.path.startsWith('/v1/secret/data/')).map((r) => r.status);
    expect(reads).toEqual([200, 403, 200]);
    expect(vault.requests.filter((r) => r.path === '/v1/auth/approle/login')).toHaveLength(2);
  });

  it('serves from cache within the TTL and re-reads after it (injected clock)', async () => {
    const v1 = secretValue('v1');
    const v2 = secretValue('v2');
    await vault.writeSecret('github', { token: v1 });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) }, { cacheTtlMs: 10_000 });

    expect(await secrets.get('github')).toEqual({ token: v1 });
    await vault.writeSecret('github', { token: v2 });
    clock += 10_000; // lru-cache, like the spine's other caches: served while its age is at most the TTL
    expect(await secrets.get('github')).toEqual({ token: v1 });
    clock += 1;
    expect(await secrets.get('github')).toEqual({ token: v2 });
    expect(kvReads('github')).toBe(2);
    expect(log.audits('secret-read').at(-1)?.fields).toMatchObject({ secret: { source: 'vault', version: 2 } });
  });

  it('cacheTtlMs 0 reads Vault on every get', async () => {
    await vault.writeSecret('github', { token: secretValue('ghp') });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) }, { cacheTtlMs: 0 });
    await secrets.get('github');
    await secrets.get('github');
    expect(kvReads('github')).toBe(2);
    expect(log.audits('secret-read').map((a) => (a.fields?.['secret'] as { source: string }).source)).toEqual(['vault', 'vault']);
  });

  it('shares one Vault read between concurrent gets of the same secret', async () => {
    await vault.writeSecret('github', { token: secretValue('ghp') });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) });
    const values = await Promise.all(Array.from({ length: 8 }, () => secrets.get('github')));
    expect(new Set(values).size).toBe(1);
    expect(kvReads('github')).toBe(1);
    expect(vault.requests.filter((r) => r.path === '/v1/auth/token/lookup-self')).toHaveLength(1);
  });

  itOwned('while sealed serves the cached secret until its TTL ends, then fails cleanly; recovers on unseal', 'its unseal key (bao operator seal / unseal)', async () => {
    const password = secretValue('pw');
    await vault.writeSecret('servicenow', { username: 'svc', password });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) }, { cacheTtlMs: 30_000 });
    await secrets.get('servicenow');

    await server.openbao!.seal();
    expect(await secrets.ready()).toBe(false);
    clock += 30_000;
    await expect(secrets.get('servicenow')).resolves.toEqual({ username: 'svc', password });

    clock += 1;
    const err = await secrets.get('servicenow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err).toMatchObject({ code: 'ERR_SECRET_UNAVAILABLE', reason: 'sealed', secretName: 'servicenow' });
    expect((err as Error).message).toBe('Secret "servicenow" is unavailable: the secret store is sealed and no fresh cached copy exists');
    expect(JSON.stringify({ m: (err as Error).message, c: String((err as Error).cause) })).not.toContain(password);
    expect(log.audits('secret-read').at(-1)).toMatchObject({ outcome: 'failure', reason: 'ERR_SECRET_UNAVAILABLE' });

    await server.openbao!.unseal();
    expect(await secrets.ready()).toBe(true);
    await expect(secrets.get('servicenow')).resolves.toEqual({ username: 'svc', password });
  });

  it('while Vault is down serves the cached secret until its TTL ends, then fails cleanly', async () => {
    const token = secretValue('ghp');
    await vault.writeSecret('github', { token });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) }, { cacheTtlMs: 30_000, requestTimeoutMs: 1000 });
    await secrets.get('github');

    await vault.stop();
    expect(await secrets.ready()).toBe(false);
    clock += 30_000;
    await expect(secrets.get('github')).resolves.toEqual({ token });
    clock += 1;
    const err = await secrets.get('github').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err).toMatchObject({ reason: 'unreachable' });
    expect((err as Error).message).not.toContain(token);
    expect(JSON.stringify((err as Error).cause)).not.toContain(token);
  });

  it('re-reads a rotated credential once when the upstream rejects it, and retries once', async () => {
    const old = secretValue('old');
    const rotated = secretValue('rotated');
    await vault.writeSecret('github', { token: old });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) });
    await secrets.get('github'); // warm cache with the old credential
    await vault.writeSecret('github', { token: rotated }); // rotated in Vault, cache still holds the old one

    const seenByUpstream: string[] = [];
    const upstream = withUpstreamCredentials({ secrets, name: 'github', schema: tokenSecret }, (credentials) => ({
      async call() {
        const { token } = await credentials();
        seenByUpstream.push(token);
        if (token !== rotated) throw new PlatformError('ERR_UPSTREAM_AUTH', 'GitHub rejected the credential');
        return 'ok';
      },
    }));
    const result = await upstream.call();

    expect(result).toBe('ok');
    expect(seenByUpstream).toEqual([old, rotated]);
    expect(kvReads('github')).toBe(2); // the warm-up read + exactly one refetch
  });

  it('propagates a second upstream rejection after exactly one refetch', async () => {
    await vault.writeSecret('github', { token: secretValue('bad') });
    const secrets = provider({ method: 'token', token: await vault.createToken(3600) });
    let calls = 0;
    const upstream = withUpstreamCredentials({ secrets, name: 'github', schema: tokenSecret }, (credentials) => ({
      async call() {
        calls++;
        await credentials();
        throw new PlatformError('ERR_UPSTREAM_AUTH', 'GitHub rejected the credential');
      },
    }));
    const err = await upstream.call().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_UPSTREAM_AUTH' });
    expect(calls).toBe(2);
    expect(kvReads('github')).toBe(2);
  });
});
