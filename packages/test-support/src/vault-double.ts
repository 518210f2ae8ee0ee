// TEST DOUBLE — not Vault. A faithful HTTP stand-in for the subset of the HashiCorp Vault API
// that the platform uses, for test suites that run where no Vault server is reachable.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

/** One HTTP request the double received (recorded in arrival order). */
export interface RecordedRequest {
  method: string;
  /** URL path without the query string, e.g. `/v1/secret/data/mcp/github`. */
  path: string;
  query: Record<string, string>;
  /** The `X-Vault-Token` header, when sent. Tokens of the double are fake. */
  token: string | undefined;
  /** The `X-Vault-Namespace` header, when sent. */
  namespace: string | undefined;
  /** Parsed JSON body, when sent. */
  body: unknown;
  /** Status the double answered with. */
  status: number;
  /** The double's clock (epoch ms) when the request arrived. */
  at: number;
}

/** ACL policy: path pattern (exact, or ending in `*` for a prefix) → capabilities, as in Vault's HCL `path "…" { capabilities = [...] }`. */
export type VaultDoublePolicy = Record<string, Array<'create' | 'read' | 'update' | 'delete' | 'list'>>;

/** An AppRole as `auth/approle/role/:name` would hold it. */
export interface VaultDoubleAppRole {
  roleId: string;
  secretId: string;
  /** Token policies (`default` is always added, as Vault does). */
  policies?: string[];
  /** `token_ttl` in seconds; default: the double's `tokenTtlSeconds`. */
  tokenTtlSeconds?: number;
  /** `token_max_ttl` in seconds; 0 = none (default). */
  tokenMaxTtlSeconds?: number;
}

/** A Kubernetes auth role as `auth/kubernetes/role/:name` would hold it. */
export interface VaultDoubleKubernetesRole {
  /** `bound_service_account_names`; `['*']` allows any. */
  serviceAccountNames: string[];
  /** `bound_service_account_namespaces`; `['*']` allows any. */
  namespaces: string[];
  policies?: string[];
  tokenTtlSeconds?: number;
  tokenMaxTtlSeconds?: number;
}

export interface VaultDoubleOptions {
  /** TCP port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** The root token; default a random `hvs.`-style token. Never expires. */
  rootToken?: string;
  /** Default TTL of tokens issued by logins and `auth/token/create`, in seconds; default 3600. */
  tokenTtlSeconds?: number;
  /** Base clock (epoch ms); default `Date.now`. `advance(ms)` adds to it. */
  now?: () => number;
  /** Start sealed; default false. */
  sealed?: boolean;
  /** KV v2 mount path; default `secret`. */
  kvMount?: string;
  /** Reported by `sys/health` and `sys/seal-status`; default `1.18.0`. */
  version?: string;
}

/** A running Vault test double. */
export interface VaultDouble {
  /** Base address, e.g. `http://127.0.0.1:41234` (what `VAULT_ADDR` would hold). */
  url: string;
  rootToken: string;
  /** Every request received, in order. Clear with `requests.length = 0`. */
  requests: RecordedRequest[];
  stop(): Promise<void>;
  seal(): void;
  unseal(): void;
  /** Move the double's clock forward (token TTLs, `created_time`). */
  advance(ms: number): void;
  /** KV v2 write at `<kvMount>/data/<path>`; returns the new version. */
  writeSecret(path: string, data: Record<string, unknown>): number;
  /** Create or replace an ACL policy. */
  setPolicy(name: string, policy: VaultDoublePolicy): void;
  setAppRole(roleName: string, role: VaultDoubleAppRole): void;
  setKubernetesRole(roleName: string, role: VaultDoubleKubernetesRole): void;
  /** Issue a token directly (like `vault token create`); returns its id. */
  createToken(options?: { policies?: string[]; ttlSeconds?: number; renewable?: boolean; maxTtlSeconds?: number }): string;
  /** Revoke one token. */
  revokeToken(token: string): void;
  /** Revoke every token except the root token. */
  revokeAllTokens(): void;
}

interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  path: string;
  meta: Record<string, string> | null;
  /** Creation/issue time, epoch ms. */
  issuedAt: number;
  /** TTL granted at creation and by renewals without `increment`, seconds; 0 = never expires. */
  ttlSeconds: number;
  maxTtlSeconds: number;
  renewable: boolean;
  /** Epoch ms; undefined = never. */
  expiresAt: number | undefined;
  orphan: boolean;
}

interface KvVersion {
  data: Record<string, unknown>;
  createdAt: number;
}

const DEFAULT_POLICY_PATHS = new Set(['auth/token/lookup-self', 'auth/token/renew-self', 'auth/token/revoke-self']);

function vaultToken(): string {
  return `hvs.${randomBytes(18).toString('base64url')}`;
}

function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value === '') return undefined;
  const m = /^(\d+)(s|m|h|d)?$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * ({ s: 1, m: 60, h: 3600, d: 86400 } as const)[unit as 's' | 'm' | 'h' | 'd'];
}

function decodeJwtSubject(jwt: string): string | undefined {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds a Kubernetes service-account JWT for the double's `auth/kubernetes/login`.
 * Unsigned (`alg: none`): the double stands in for Vault's TokenReview call and trusts the claims.
 *
 * @example
 * ```ts
 * const jwt = kubernetesServiceAccountJwt({ namespace: 'mcp', serviceAccount: 'mcp-network' });
 * ```
 */
export function kubernetesServiceAccountJwt(sa: { namespace: string; serviceAccount: string }): string {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({
    iss: 'kubernetes/serviceaccount',
    sub: `system:serviceaccount:${sa.namespace}:${sa.serviceAccount}`,
    'kubernetes.io/serviceaccount/namespace': sa.namespace,
    'kubernetes.io/serviceaccount/service-account.name': sa.serviceAccount,
  })}.`;
}

/**
 * **Test double of HashiCorp Vault** (not Vault): an Express server on 127.0.0.1 that answers the
 * Vault HTTP API subset the platform uses, with Vault's documented paths, bodies and error shapes:
 *
 * - KV v2 at `/v1/<kvMount>/data/:path` (`GET` with optional `?version=`, `POST`/`PUT` with `{ data, options: { cas } }`);
 *   versions increment on write; a missing path is `404 {"errors":[]}`.
 * - `POST /v1/auth/approle/login`, `POST /v1/auth/kubernetes/login` (claims of the JWT are trusted — it
 *   stands in for TokenReview), `GET /v1/auth/token/lookup-self`, `POST /v1/auth/token/renew-self`,
 *   `POST /v1/auth/token/revoke-self`, `POST /v1/auth/token/create`.
 * - Provisioning as a fixture does it on a real Vault: `sys/policies/acl/:name` (HCL `path "…" { capabilities = [...] }`),
 *   `sys/auth/:path` (approle/kubernetes are always enabled), `auth/approle/role/:role` (+ `/role-id`, `/secret-id`),
 *   `auth/token/revoke`, `DELETE <kvMount>/metadata/:path`.
 * - `GET /v1/sys/health` (200 active, 503 sealed; `activecode`/`sealedcode` honoured), `GET /v1/sys/seal-status`.
 * - Tokens in `X-Vault-Token`; ACL by policy; unknown/expired/revoked token → `403 {"errors":["permission denied"]}`;
 *   sealed → `503 {"errors":["Vault is sealed"]}`. Token TTLs run on a controllable clock (`advance(ms)`).
 *
 * Not modelled: namespaces (the header is recorded, not enforced), response wrapping, leases of dynamic
 * secrets, soft delete/destroy of KV versions, TokenReview against a real cluster.
 *
 * @example
 * ```ts
 * const vault = await startVaultDouble({ tokenTtlSeconds: 60 });
 * vault.writeSecret('mcp/github', { token: 'ghp_example' });
 * // … point the code under test at vault.url with vault.rootToken …
 * vault.seal();
 * await vault.stop();
 * ```
 */
export async function startVaultDouble(options: VaultDoubleOptions = {}): Promise<VaultDouble> {
  const baseNow = options.now ?? Date.now;
  let offsetMs = 0;
  const now = (): number => baseNow() + offsetMs;
  const defaultTtl = options.tokenTtlSeconds ?? 3600;
  const kvMount = options.kvMount ?? 'secret';
  const version = options.version ?? '1.18.0';
  const clusterId = randomUUID();
  let sealed = options.sealed ?? false;

  const rootToken = options.rootToken ?? vaultToken();
  const tokens = new Map<string, TokenEntry>();
  const kv = new Map<string, KvVersion[]>();
  const policies = new Map<string, VaultDoublePolicy>();
  const appRoles = new Map<string, VaultDoubleAppRole & { extraSecretIds: Set<string> }>();
  const k8sRoles = new Map<string, VaultDoubleKubernetesRole>();
  const requests: RecordedRequest[] = [];

  function issueToken(init: {
    policies: string[];
    path: string;
    meta?: Record<string, string> | null;
    ttlSeconds: number;
    maxTtlSeconds?: number;
    renewable?: boolean;
    id?: string;
  }): TokenEntry {
    const entry: TokenEntry = {
      id: init.id ?? vaultToken(),
      accessor: randomBytes(12).toString('base64url'),
      policies: init.policies,
      path: init.path,
      meta: init.meta ?? null,
      issuedAt: now(),
      ttlSeconds: init.ttlSeconds,
      maxTtlSeconds: init.maxTtlSeconds ?? 0,
      renewable: init.renewable ?? init.ttlSeconds > 0,
      expiresAt: init.ttlSeconds > 0 ? now() + init.ttlSeconds * 1000 : undefined,
      orphan: true,
    };
    tokens.set(entry.id, entry);
    return entry;
  }
  issueToken({ id: rootToken, policies: ['root'], path: 'auth/token/root', ttlSeconds: 0 });

  function liveToken(id: string | undefined): TokenEntry | undefined {
    if (id === undefined) return undefined;
    const entry = tokens.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      tokens.delete(id);
      return undefined;
    }
    return entry;
  }

  function allowed(entry: TokenEntry, path: string, capability: string): boolean {
    if (entry.policies.includes('root')) return true;
    if (DEFAULT_POLICY_PATHS.has(path)) return true;
    for (const name of entry.policies) {
      const policy = policies.get(name);
      if (!policy) continue;
      for (const [pattern, caps] of Object.entries(policy)) {
        const match = pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
        if (match && (caps as string[]).includes(capability)) return true;
      }
    }
    return false;
  }

  function authBlock(entry: TokenEntry, metadata: Record<string, string> | null): Record<string, unknown> {
    return {
      client_token: entry.id,
      accessor: entry.accessor,
      policies: entry.policies,
      token_policies: entry.policies,
      metadata,
      lease_duration: remainingSeconds(entry),
      renewable: entry.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: entry.orphan,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  function remainingSeconds(entry: TokenEntry): number {
    return entry.expiresAt === undefined ? 0 : Math.max(0, Math.round((entry.expiresAt - now()) / 1000));
  }

  function envelope(extra: Record<string, unknown>): Record<string, unknown> {
    return {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: '',
      ...extra,
    };
  }

  function errors(res: Response, status: number, ...messages: string[]): void {
    res.status(status).json({ errors: messages });
  }

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ type: () => true, limit: '1mb' }));

  // Record every request (status filled in when the response finishes).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const record: RecordedRequest = {
      method: req.method,
      path: req.path,
      query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)])),
      token: req.header('x-vault-token') ?? undefined,
      namespace: req.header('x-vault-namespace') ?? undefined,
      body: req.body,
      status: 0,
      at: now(),
    };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    next();
  });

  app.get('/v1/sys/health', (req, res) => {
    const body = {
      initialized: true,
      sealed,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(now() / 1000),
      version,
      cluster_name: 'vault-double',
      cluster_id: clusterId,
    };
    const code = (name: string, fallback: number): number => {
      const v = Number(req.query[name]);
      return Number.isInteger(v) && v >= 100 && v < 600 ? v : fallback;
    };
    res.status(sealed ? code('sealedcode', 503) : code('activecode', 200)).json(body);
  });

  app.get('/v1/sys/seal-status', (_req, res) => {
    res.json({
      type: 'shamir',
      initialized: true,
      sealed,
      t: 1,
      n: 1,
      progress: 0,
      nonce: '',
      version,
      build_date: '2024-10-01T00:00:00Z',
      migration: false,
      recovery_seal: false,
      storage_type: 'inmem',
      ...(sealed ? {} : { cluster_name: 'vault-double', cluster_id: clusterId }),
    });
  });

  // Everything below needs an unsealed Vault.
  app.use((_req, res, next) => {
    if (sealed) errors(res, 503, 'Vault is sealed');
    else next();
  });

  app.post('/v1/auth/approle/login', (req, res) => {
    const body = (req.body ?? {}) as { role_id?: unknown; secret_id?: unknown };
    if (typeof body.role_id !== 'string' || body.role_id === '') return errors(res, 400, 'missing role_id');
    const found = [...appRoles.entries()].find(([, r]) => r.roleId === body.role_id);
    const secretOk = found !== undefined && typeof body.secret_id === 'string' && (found[1].secretId === body.secret_id || found[1].extraSecretIds.has(body.secret_id));
    if (!found || !secretOk) return errors(res, 400, 'invalid role or secret ID');
    const [roleName, role] = found;
    const meta = { role_name: roleName };
    const entry = issueToken({
      policies: ['default', ...(role.policies ?? [])],
      path: 'auth/approle/login',
      meta,
      ttlSeconds: role.tokenTtlSeconds ?? defaultTtl,
      maxTtlSeconds: role.tokenMaxTtlSeconds ?? 0,
    });
    res.json(envelope({ auth: authBlock(entry, meta) }));
  });

  app.post('/v1/auth/kubernetes/login', (req, res) => {
    const body = (req.body ?? {}) as { role?: unknown; jwt?: unknown };
    if (typeof body.role !== 'string' || body.role === '') return errors(res, 400, 'missing role');
    if (typeof body.jwt !== 'string' || body.jwt === '') return errors(res, 400, 'missing jwt');
    const role = k8sRoles.get(body.role);
    if (!role) return errors(res, 400, `invalid role name "${body.role}"`);
    const sub = decodeJwtSubject(body.jwt);
    const m = sub === undefined ? null : /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub);
    if (!m) return errors(res, 403, 'permission denied');
    const [, namespace = '', saName = ''] = m;
    const bound = (list: string[], v: string): boolean => list.includes('*') || list.includes(v);
    if (!bound(role.serviceAccountNames, saName)) return errors(res, 403, 'service account name not authorized');
    if (!bound(role.namespaces, namespace)) return errors(res, 403, 'namespace not authorized');
    const meta = { role: body.role, service_account_name: saName, service_account_namespace: namespace };
    const entry = issueToken({
      policies: ['default', ...(role.policies ?? [])],
      path: 'auth/kubernetes/login',
      meta,
      ttlSeconds: role.tokenTtlSeconds ?? defaultTtl,
      maxTtlSeconds: role.tokenMaxTtlSeconds ?? 0,
    });
    res.json(envelope({ auth: authBlock(entry, meta) }));
  });

  // Everything below needs a live token with the right capability.
  function authorize(req: Request, res: Response, path: string, capability: string): TokenEntry | undefined {
    const entry = liveToken(req.header('x-vault-token') ?? undefined);
    if (!entry || !allowed(entry, path, capability)) {
      errors(res, 403, 'permission denied');
      return undefined;
    }
    return entry;
  }

  app.get('/v1/auth/token/lookup-self', (req, res) => {
    const entry = authorize(req, res, 'auth/token/lookup-self', 'read');
    if (!entry) return;
    res.json(
      envelope({
        data: {
          accessor: entry.accessor,
          creation_time: Math.floor(entry.issuedAt / 1000),
          creation_ttl: entry.ttlSeconds,
          display_name: entry.path.replace(/^auth\/|\/login$/g, '').replace(/\//g, '-'),
          entity_id: '',
          expire_time: entry.expiresAt === undefined ? null : new Date(entry.expiresAt).toISOString(),
          explicit_max_ttl: entry.maxTtlSeconds,
          id: entry.id,
          issue_time: new Date(entry.issuedAt).toISOString(),
          meta: entry.meta,
          num_uses: 0,
          orphan: entry.orphan,
          path: entry.path,
          policies: entry.policies,
          renewable: entry.renewable,
          ttl: remainingSeconds(entry),
          type: 'service',
        },
      }),
    );
  });

  app.post('/v1/auth/token/renew-self', (req, res) => {
    const entry = authorize(req, res, 'auth/token/renew-self', 'update');
    if (!entry) return;
    if (!entry.renewable || entry.expiresAt === undefined) return errors(res, 400, 'lease is not renewable');
    const increment = parseDuration((req.body as { increment?: unknown } | undefined)?.increment) ?? entry.ttlSeconds;
    let expiresAt = now() + increment * 1000;
    if (entry.maxTtlSeconds > 0) expiresAt = Math.min(expiresAt, entry.issuedAt + entry.maxTtlSeconds * 1000);
    entry.expiresAt = expiresAt;
    res.json(envelope({ auth: authBlock(entry, entry.meta) }));
  });

  app.post('/v1/auth/token/revoke-self', (req, res) => {
    const entry = authorize(req, res, 'auth/token/revoke-self', 'update');
    if (!entry) return;
    tokens.delete(entry.id);
    res.status(204).end();
  });

  app.post('/v1/auth/token/create', (req, res) => {
    const entry = authorize(req, res, 'auth/token/create', 'update');
    if (!entry) return;
    const body = (req.body ?? {}) as { policies?: unknown; ttl?: unknown; renewable?: unknown; explicit_max_ttl?: unknown };
    const requested = Array.isArray(body.policies) ? body.policies.filter((p): p is string => typeof p === 'string') : [];
    const created = issueToken({
      policies: requested.length > 0 ? [...new Set(['default', ...requested])] : entry.policies,
      path: 'auth/token/create',
      ttlSeconds: parseDuration(body.ttl) ?? defaultTtl,
      maxTtlSeconds: parseDuration(body.explicit_max_ttl) ?? 0,
      ...(typeof body.renewable === 'boolean' ? { renewable: body.renewable } : {}),
    });
    res.json(envelope({ auth: authBlock(created, null) }));
  });

  // Administrative endpoints (what a fixture uses to provision a real Vault), root or policy-gated.
  app.put(['/v1/sys/policies/acl/:name', '/v1/sys/policy/:name'], setPolicyRoute);
  app.post(['/v1/sys/policies/acl/:name', '/v1/sys/policy/:name'], setPolicyRoute);
  function setPolicyRoute(req: Request, res: Response): void {
    const name = String(req.params['name']);
    if (!authorize(req, res, `sys/policies/acl/${name}`, 'update')) return;
    const hcl = (req.body as { policy?: unknown } | undefined)?.policy;
    if (typeof hcl !== 'string') return errors(res, 400, "'policy' parameter not supplied or empty");
    const policy: VaultDoublePolicy = {};
    for (const m of hcl.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g)) {
      policy[m[1] ?? ''] = [...(m[2] ?? '').matchAll(/"([a-z]+)"/g)].map((c) => c[1]) as VaultDoublePolicy[string];
    }
    policies.set(name, policy);
    res.status(204).end();
  }
  app.delete(['/v1/sys/policies/acl/:name', '/v1/sys/policy/:name'], (req, res) => {
    const name = String(req.params['name']);
    if (!authorize(req, res, `sys/policies/acl/${name}`, 'delete')) return;
    policies.delete(name);
    res.status(204).end();
  });
  app.post('/v1/sys/auth/:path', (req, res) => {
    const path = String(req.params['path']);
    if (!authorize(req, res, `sys/auth/${path}`, 'update')) return;
    if (path === 'approle' || path === 'kubernetes' || path === 'token') return errors(res, 400, `path is already in use at ${path}/`);
    errors(res, 400, 'the Vault test double supports only the approle and kubernetes auth methods');
  });
  app.post('/v1/auth/approle/role/:role', (req, res) => {
    const roleName = String(req.params['role']);
    if (!authorize(req, res, `auth/approle/role/${roleName}`, 'update')) return;
    const body = (req.body ?? {}) as { token_policies?: unknown; policies?: unknown; token_ttl?: unknown; token_max_ttl?: unknown };
    const list = Array.isArray(body.token_policies) ? body.token_policies : Array.isArray(body.policies) ? body.policies : [];
    const existing = appRoles.get(roleName);
    const ttl = parseDuration(body.token_ttl);
    const maxTtl = parseDuration(body.token_max_ttl);
    appRoles.set(roleName, {
      roleId: existing?.roleId ?? randomUUID(),
      secretId: existing?.secretId ?? randomUUID(),
      policies: list.filter((x): x is string => typeof x === 'string'),
      ...(ttl === undefined ? {} : { tokenTtlSeconds: ttl }),
      ...(maxTtl === undefined ? {} : { tokenMaxTtlSeconds: maxTtl }),
      extraSecretIds: existing?.extraSecretIds ?? new Set(),
    });
    res.status(204).end();
  });
  app.get('/v1/auth/approle/role/:role/role-id', (req, res) => {
    const roleName = String(req.params['role']);
    if (!authorize(req, res, `auth/approle/role/${roleName}/role-id`, 'read')) return;
    const role = appRoles.get(roleName);
    if (!role) return errors(res, 404);
    res.json(envelope({ data: { role_id: role.roleId } }));
  });
  app.post('/v1/auth/approle/role/:role/secret-id', (req, res) => {
    const roleName = String(req.params['role']);
    if (!authorize(req, res, `auth/approle/role/${roleName}/secret-id`, 'update')) return;
    const role = appRoles.get(roleName);
    if (!role) return errors(res, 400, `role "${roleName}" does not exist`);
    const secretId = randomUUID();
    role.extraSecretIds.add(secretId);
    res.json(envelope({ data: { secret_id: secretId, secret_id_accessor: randomUUID(), secret_id_ttl: 0, secret_id_num_uses: 0 } }));
  });
  app.post('/v1/auth/token/revoke', (req, res) => {
    if (!authorize(req, res, 'auth/token/revoke', 'update')) return;
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && token !== rootToken) tokens.delete(token);
    res.status(204).end();
  });

  const kvPrefix = `/v1/${kvMount}/data/`;
  app.use((req, res, next) => {
    const metadataPrefix = `/v1/${kvMount}/metadata/`;
    if (req.method === 'DELETE' && req.path.startsWith(metadataPrefix)) {
      const secretPath = req.path.slice(metadataPrefix.length).replace(/\/+$/, '');
      if (!authorize(req, res, `${kvMount}/metadata/${secretPath}`, 'delete')) return;
      kv.delete(secretPath);
      return res.status(204).end();
    }
    if (!req.path.startsWith(kvPrefix)) return next();
    const secretPath = req.path.slice(kvPrefix.length).replace(/\/+$/, '');
    const aclPath = `${kvMount}/data/${secretPath}`;
    if (req.method === 'GET') {
      if (!authorize(req, res, aclPath, 'read')) return;
      const versions = kv.get(secretPath);
      const wanted = req.query['version'] === undefined ? 0 : Number(req.query['version']);
      const index = wanted > 0 ? wanted - 1 : (versions?.length ?? 0) - 1;
      const found = versions?.[index];
      if (!versions || !found) return errors(res, 404);
      return res.json(
        envelope({
          data: {
            data: found.data,
            metadata: {
              created_time: new Date(found.createdAt).toISOString(),
              custom_metadata: null,
              deletion_time: '',
              destroyed: false,
              version: index + 1,
            },
          },
        }),
      );
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      const exists = kv.has(secretPath);
      if (!authorize(req, res, aclPath, exists ? 'update' : 'create')) return;
      const body = (req.body ?? {}) as { data?: unknown; options?: { cas?: unknown } };
      if (typeof body.data !== 'object' || body.data === null || Array.isArray(body.data)) {
        return errors(res, 400, 'no data provided');
      }
      const current = kv.get(secretPath)?.length ?? 0;
      if (body.options?.cas !== undefined && Number(body.options.cas) !== current) {
        return errors(res, 400, 'check-and-set parameter did not match the current version');
      }
      const v = put(secretPath, body.data as Record<string, unknown>);
      const entry = kv.get(secretPath)?.[v - 1];
      return res.json(
        envelope({
          data: {
            created_time: new Date(entry?.createdAt ?? now()).toISOString(),
            custom_metadata: null,
            deletion_time: '',
            destroyed: false,
            version: v,
          },
        }),
      );
    }
    return errors(res, 405);
  });

  app.use((req, res) => {
    // Vault answers unknown routes for a token without access as "permission denied".
    errors(res, 404, `no handler for route "${req.path.replace(/^\/v1\//, '')}". route entry not found.`);
  });

  function put(path: string, data: Record<string, unknown>): number {
    const versions = kv.get(path) ?? [];
    versions.push({ data: structuredClone(data), createdAt: now() });
    kv.set(path, versions);
    return versions.length;
  }

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    rootToken,
    requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    seal: () => {
      sealed = true;
    },
    unseal: () => {
      sealed = false;
    },
    advance: (ms) => {
      offsetMs += ms;
    },
    writeSecret: (path, data) => put(path.replace(/^\/+|\/+$/g, ''), data),
    setPolicy: (name, policy) => {
      policies.set(name, policy);
    },
    setAppRole: (roleName, role) => {
      appRoles.set(roleName, { ...role, extraSecretIds: new Set() });
    },
    setKubernetesRole: (roleName, role) => {
      k8sRoles.set(roleName, { ...role });
    },
    createToken: (opts = {}) =>
      issueToken({
        policies: ['default', ...(opts.policies ?? [])],
        path: 'auth/token/create',
        ttlSeconds: opts.ttlSeconds ?? defaultTtl,
        maxTtlSeconds: opts.maxTtlSeconds ?? 0,
        ...(opts.renewable === undefined ? {} : { renewable: opts.renewable }),
      }).id,
    revokeToken: (token) => {
      if (token !== rootToken) tokens.delete(token);
    },
    revokeAllTokens: () => {
      for (const id of [...tokens.keys()]) if (id !== rootToken) tokens.delete(id);
    },
  };
}
