// Test-only fixture (not exported from the package): a real secrets server for the secrets
// suites — OpenBao (`bao server -dev`, started here) or, when the suite is given VAULT_ADDR +
// VAULT_TOKEN, that Vault — behind a recording pass-through proxy, so a test can count and
// inspect what the provider sent and take the server out of reach.
import { randomBytes } from 'node:crypto';
import { startDevOpenBao, type DevOpenBao } from '@mcp-platform/tooling/openbao';
import { startVaultRecorder, type SeenVaultRequest } from '@mcp-platform/test-support';

/** A request that reached the server through the recording proxy. */
export type SeenRequest = SeenVaultRequest;

/** The server under a suite: started once per file ({@link startVaultServer}). */
export interface VaultServer {
  /** `openbao`: a `bao server -dev` this suite owns (seal control); `external`: `VAULT_ADDR`. */
  kind: 'openbao' | 'external';
  url: string;
  rootToken: string;
  /** Root-token API call. */
  api(method: string, path: string, body?: unknown, namespace?: string): Promise<Record<string, unknown>>;
  /** The OpenBao process, when `kind === 'openbao'` (seal / unseal). */
  openbao: DevOpenBao | undefined;
  close(): Promise<void>;
}

export interface VaultFixture {
  server: VaultServer;
  /** Point the provider here: the recording proxy in front of the server. */
  address: string;
  rootToken: string;
  /** Unique per fixture so tests (and runs against a shared Vault) do not collide, e.g. `mcp-test-3f9a/`. */
  pathPrefix: string;
  /** The fixture's read policy (`secret/data/<pathPrefix>*`). */
  policyName: string;
  requests: SeenRequest[];
  /** KV v2 write at `secret/data/<pathPrefix><name>`; returns the version. */
  writeSecret(name: string, data: Record<string, string>): Promise<number>;
  /** A renewable token that may read the fixture's secrets. */
  createToken(ttlSeconds: number): Promise<string>;
  /** An AppRole that may read the fixture's secrets; tokens live `tokenTtlSeconds`. */
  createAppRole(tokenTtlSeconds: number): Promise<{ roleId: string; secretId: string }>;
  /** Revoke every token the provider used (seen in requests) except the root token. */
  revokeSeenTokens(): Promise<void>;
  /** Make the server unreachable for the provider (stops the proxy). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the suite's server: the Vault in `env.VAULT_ADDR` (+ `VAULT_TOKEN`) when given, else a fresh `bao server -dev`. */
export async function startVaultServer(env: { VAULT_ADDR?: string | undefined; VAULT_TOKEN?: string | undefined }): Promise<VaultServer> {
  const openbao = env.VAULT_ADDR && env.VAULT_TOKEN ? undefined : await startDevOpenBao();
  const url = openbao?.url ?? (env.VAULT_ADDR as string);
  const rootToken = openbao?.rootToken ?? (env.VAULT_TOKEN as string);
  const api = async (method: string, path: string, body?: unknown, namespace?: string): Promise<Record<string, unknown>> => {
    const res = await fetch(new URL(`/v1/${path}`, url), {
      method,
      headers: { 'X-Vault-Token': rootToken, 'Content-Type': 'application/json', ...(namespace === undefined ? {} : { 'X-Vault-Namespace': namespace }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`fixture: ${method} ${path} → ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  return { kind: openbao ? 'openbao' : 'external', url, rootToken, api, openbao, close: async () => openbao?.stop() };
}

/** One test's slice of the server: its own path prefix, read policy and recording proxy. */
export async function startVaultFixture(server: VaultServer): Promise<VaultFixture> {
  const id = randomBytes(4).toString('hex');
  const pathPrefix = `mcp-test-${id}/`;
  const policyName = `mcp-test-read-${id}`;
  const { api, rootToken } = server;
  await api('PUT', `sys/policies/acl/${policyName}`, { policy: `path "secret/data/${pathPrefix}*" { capabilities = ["read"] }` });

  const recorder = await startVaultRecorder(server.url);
  const names = new Set<string>();

  return {
    server,
    address: recorder.url,
    rootToken,
    pathPrefix,
    policyName,
    requests: recorder.requests,
    writeSecret: async (name, data) => {
      names.add(name);
      const res = await api('POST', `secret/data/${pathPrefix}${name}`, { data });
      return (res['data'] as { version: number }).version;
    },
    createToken: async (ttlSeconds) => {
      const res = await api('POST', 'auth/token/create', { policies: [policyName], ttl: `${ttlSeconds}s`, renewable: true });
      return (res['auth'] as { client_token: string }).client_token;
    },
    createAppRole: async (tokenTtlSeconds) => {
      try {
        await api('POST', 'sys/auth/approle', { type: 'approle' });
      } catch (err) {
        if (!String(err).includes('path is already in use')) throw err;
      }
      const role = `mcp-test-${randomBytes(3).toString('hex')}`;
      await api('POST', `auth/approle/role/${role}`, { token_policies: [policyName], token_ttl: `${tokenTtlSeconds}s` });
      const roleId = ((await api('GET', `auth/approle/role/${role}/role-id`))['data'] as { role_id: string }).role_id;
      const secretId = ((await api('POST', `auth/approle/role/${role}/secret-id`, {}))['data'] as { secret_id: string }).secret_id;
      return { roleId, secretId };
    },
    revokeSeenTokens: async () => {
      const seen = new Set(recorder.requests.map((r) => r.token).filter((t): t is string => t !== undefined && t !== rootToken));
      for (const token of seen) await api('POST', 'auth/token/revoke', { token }).catch(() => undefined);
    },
    stop: () => recorder.stop(),
    close: async () => {
      await recorder.stop();
      for (const name of names) await api('DELETE', `secret/metadata/${pathPrefix}${name}`).catch(() => undefined);
      await api('DELETE', `sys/policies/acl/${policyName}`).catch(() => undefined);
    },
  };
}
