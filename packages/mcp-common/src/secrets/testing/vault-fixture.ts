// Test-only fixture (not exported from the package): one interface over either a real Vault
// (when the suite is given VAULT_ADDR + VAULT_TOKEN) or the Vault API test double.
import { randomBytes } from 'node:crypto';
import http, { type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { startVaultDouble, type VaultDouble } from '@mcp-platform/test-support';

/** A request that reached Vault (through the recording proxy, or as the double saw it). */
export interface SeenRequest {
  method: string;
  path: string;
  status: number;
  token: string | undefined;
}

export interface VaultFixture {
  kind: 'double' | 'real';
  /** Point the provider here (the double, or a recording proxy in front of the real Vault). */
  address: string;
  rootToken: string;
  /** Unique per fixture so runs against a shared Vault do not collide, e.g. `mcp-test-3f9a/`. */
  pathPrefix: string;
  requests: SeenRequest[];
  /** The double, when `kind === 'double'` (seal control, clock). */
  double: VaultDouble | undefined;
  /** KV v2 write at `secret/data/<pathPrefix><name>`; returns the version. */
  writeSecret(name: string, data: Record<string, string>): Promise<number>;
  /** A renewable token that may read the fixture's secrets. */
  createToken(ttlSeconds: number): Promise<string>;
  /** An AppRole that may read the fixture's secrets; tokens live `tokenTtlSeconds`. */
  createAppRole(tokenTtlSeconds: number): Promise<{ roleId: string; secretId: string }>;
  /** Revoke every token the provider used (seen in requests) except the root token. */
  revokeSeenTokens(): Promise<void>;
  /** Make Vault unreachable for the provider (stops the double or the proxy). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the fixture: a real Vault when `env.VAULT_ADDR` and `env.VAULT_TOKEN` are given, else the double. */
export async function startVaultFixture(env: { VAULT_ADDR?: string | undefined; VAULT_TOKEN?: string | undefined }): Promise<VaultFixture> {
  const id = randomBytes(4).toString('hex');
  const pathPrefix = `mcp-test-${id}/`;
  const policyName = `mcp-test-read-${id}`;
  return env.VAULT_ADDR && env.VAULT_TOKEN ? realFixture(env.VAULT_ADDR, env.VAULT_TOKEN, pathPrefix, policyName) : doubleFixture(pathPrefix, policyName);
}

async function doubleFixture(pathPrefix: string, policyName: string): Promise<VaultFixture> {
  const double = await startVaultDouble();
  double.setPolicy(policyName, { [`secret/data/${pathPrefix}*`]: ['read'] });
  let stopped = false;
  return {
    kind: 'double',
    address: double.url,
    rootToken: double.rootToken,
    pathPrefix,
    requests: double.requests,
    double,
    writeSecret: async (name, data) => double.writeSecret(`${pathPrefix}${name}`, data),
    createToken: async (ttlSeconds) => double.createToken({ policies: [policyName], ttlSeconds, renewable: true }),
    createAppRole: async (tokenTtlSeconds) => {
      const creds = { roleId: `role-${randomBytes(6).toString('hex')}`, secretId: randomBytes(16).toString('hex') };
      double.setAppRole(`mcp-${randomBytes(3).toString('hex')}`, { ...creds, policies: [policyName], tokenTtlSeconds });
      return creds;
    },
    revokeSeenTokens: async () => {
      for (const r of double.requests) if (r.token !== undefined) double.revokeToken(r.token);
    },
    stop: async () => {
      if (!stopped) await double.stop();
      stopped = true;
    },
    close: async () => {
      if (!stopped) await double.stop();
      stopped = true;
    },
  };
}

async function realFixture(vaultAddr: string, rootToken: string, pathPrefix: string, policyName: string): Promise<VaultFixture> {
  const upstream = new URL(vaultAddr);
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(new URL(`/v1/${path}`, upstream), {
      method,
      headers: { 'X-Vault-Token': rootToken, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`fixture: ${method} ${path} → ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  await api('PUT', `sys/policies/acl/${policyName}`, { policy: `path "secret/data/${pathPrefix}*" { capabilities = ["read"] }` });

  // Recording pass-through proxy: lets the suite count requests and simulate an outage.
  const requests: SeenRequest[] = [];
  const names = new Set<string>();
  const proxy = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', upstream);
    const header = req.headers['x-vault-token'];
    const record: SeenRequest = { method: req.method ?? 'GET', path: target.pathname, status: 0, token: typeof header === 'string' ? header : undefined };
    requests.push(record);
    const transport = target.protocol === 'https:' ? https : http;
    const up = transport.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (ur) => {
      record.status = ur.statusCode ?? 0;
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => {
      record.status = 502;
      res.writeHead(502).end();
    });
    req.pipe(up);
  });
  const address = await listen(proxy);

  return {
    kind: 'real',
    address,
    rootToken,
    pathPrefix,
    requests,
    double: undefined,
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
      const seen = new Set(requests.map((r) => r.token).filter((t): t is string => t !== undefined && t !== rootToken));
      for (const token of seen) await api('POST', 'auth/token/revoke', { token }).catch(() => undefined);
    },
    stop: () => closeServer(proxy),
    close: async () => {
      await closeServer(proxy);
      for (const name of names) await api('DELETE', `secret/metadata/${pathPrefix}${name}`).catch(() => undefined);
      await api('DELETE', `sys/policies/acl/${policyName}`).catch(() => undefined);
    },
  };
}
