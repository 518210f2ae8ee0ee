import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { AuditLogger, Logger } from '../logging/types.ts';
import { isPlatformError, type PlatformError } from '../errors/base.ts';
import { SecretNotFoundError, SecretUnavailableError, VaultLoginError, type SecretUnavailableReason } from './errors.ts';
import type { SecretProvider, SecretValue } from './types.ts';
import { assertSecretName, toSecretValue } from './internal/names.ts';
import { auditSecretRead, type SecretReadObserver } from './internal/audit.ts';
import { classifyVaultError, createNodeVaultClient, VaultRequestFailure, type NodeVaultClient } from './internal/vault-client.ts';

/** How the provider logs in to Vault. */
export type VaultAuth =
  | { method: 'token'; token: string }
  | { method: 'approle'; roleId: string; secretId: string; /** Auth mount path; default `approle`. */ mountPath?: string }
  | {
      method: 'kubernetes';
      role: string;
      /** Service-account JWT file, re-read at every login (projected tokens rotate); default `/var/run/secrets/kubernetes.io/serviceaccount/token`. */
      jwtPath?: string;
      /** Auth mount path; default `kubernetes`. */
      mountPath?: string;
    };

export interface VaultSecretProviderOptions {
  /** Vault address, e.g. `https://vault.internal:8200` (what `VAULT_ADDR` holds). */
  address: string;
  auth: VaultAuth;
  /** Vault Enterprise namespace (`X-Vault-Namespace`); default none. */
  namespace?: string | undefined;
  /** KV v2 mount; default `secret`. */
  mount?: string;
  /** Prefix inside the mount; default `mcp/` (so `github` is read at `secret/data/mcp/github`). */
  pathPrefix?: string;
  /** How long a read secret is served from memory, in ms (served while its age is at most this); default 300000 (5 min); 0 = never cached. */
  cacheTtlMs?: number;
  /** Timeout of each HTTP request to Vault, in ms; default 5000. */
  requestTimeoutMs?: number;
  /** Fraction of the token lease after which it is renewed (0 < x < 1); default 2/3. */
  renewAtLeaseFraction?: number;
  logger: Logger;
  audit: AuditLogger;
  /** Receives every read (source `vault` or `cache`), e.g. for metrics. */
  onRead?: SecretReadObserver;
  /** Clock for the secret cache, epoch ms; default `Date.now`. */
  now?: () => number;
}

interface CacheEntry {
  value: SecretValue;
  version: number | undefined;
}

interface Lease {
  /** Seconds left. */
  seconds: number;
  renewable: boolean;
  /** Seconds the token was granted at creation (asked for again as renewal `increment`). */
  grantSeconds?: number;
}

const DEFAULT_JWT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * A {@link SecretProvider} backed by HashiCorp Vault KV v2 (via `node-vault`).
 *
 * - Logs in at first use (token, AppRole or Kubernetes) and renews the token at `renewAtLeaseFraction`
 *   of its lease with `auth/token/renew-self` (unref'd timer); when renewal fails it logs in again.
 *   A `403` on a read also triggers one re-login and retry (revoked or expired token).
 * - Caches each secret for `cacheTtlMs` (`lru-cache`, like the spine's other caches). While Vault is sealed or
 *   unreachable the cached copy is served until its TTL ends; after that `get` rejects with {@link SecretUnavailableError}.
 * - Concurrent `get`s of the same name share one Vault read.
 * - Every `get` emits a `secret-read` audit event with `{ secret: { name, source, version } }`, never the value.
 *
 * @example
 * ```ts
 * const secrets = createVaultSecretProvider({
 *   address: config.vaultAddr,
 *   auth: { method: 'approle', roleId: config.vaultRoleId, secretId: config.vaultSecretId },
 *   logger, audit,
 * });
 * const { username, password } = await secrets.get('servicenow'); // secret/data/mcp/servicenow
 * ```
 */
export function createVaultSecretProvider(options: VaultSecretProviderOptions): SecretProvider {
  const fraction = options.renewAtLeaseFraction ?? 2 / 3;
  if (!(fraction > 0 && fraction < 1)) throw new TypeError('renewAtLeaseFraction must be between 0 and 1 (exclusive)');
  const cacheTtlMs = options.cacheTtlMs ?? 300_000;
  if (!(cacheTtlMs >= 0)) throw new TypeError('cacheTtlMs must be a non-negative number of milliseconds');
  if (typeof options.address !== 'string' || !/^https?:\/\//.test(options.address)) throw new TypeError('address must be an http(s) URL');

  const auth = options.auth;
  const mount = (options.mount ?? 'secret').replace(/^\/+|\/+$/g, '');
  const pathPrefix = options.pathPrefix ?? 'mcp/';
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const client: NodeVaultClient = createNodeVaultClient({
    address: options.address,
    namespace: options.namespace,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
  });

  // Secrets (lru-cache): at most 1000 names (a server reads a handful), each for cacheTtlMs; 0 turns it off
  // (lru-cache would read ttl 0 as "forever").
  const cache = cacheTtlMs === 0 ? undefined : new LRUCache<string, CacheEntry>({ max: 1_000, ttl: cacheTtlMs, ttlResolution: 0, perf: { now } });
  const inflight = new Map<string, Promise<{ value: SecretValue; version: number | undefined }>>();
  let authenticated: Promise<void> | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let closed = false;
  /** Bumped on every (re-)login so that stale renewal callbacks do nothing. */
  let generation = 0;
  /** Lease granted at login, in seconds; renewals request it as `increment` so the token keeps the same lifetime. */
  let loginLeaseSeconds = 0;

  function clearTimer(): void {
    if (renewTimer) clearTimeout(renewTimer);
    renewTimer = undefined;
  }

  function schedule(lease: Lease, gen: number): void {
    clearTimer();
    if (closed || lease.seconds <= 0) return; // non-expiring token (e.g. root): nothing to renew
    const delayMs = Math.max(50, Math.floor(lease.seconds * 1000 * fraction));
    renewTimer = setTimeout(() => void (lease.renewable ? renew(gen) : relogin(gen, 'lease not renewable')), delayMs);
    renewTimer.unref();
  }

  async function login(): Promise<Lease> {
    try {
      if (auth.method === 'token') {
        client.token = auth.token;
        const res = (await client.tokenLookupSelf()) as { data?: { ttl?: unknown; creation_ttl?: unknown; renewable?: unknown } };
        const seconds = Number(res.data?.ttl ?? 0);
        return { seconds, renewable: res.data?.renewable === true, grantSeconds: Number(res.data?.creation_ttl ?? seconds) };
      }
      client.token = '';
      let res: { auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } };
      if (auth.method === 'approle') {
        res = await client.approleLogin({ role_id: auth.roleId, secret_id: auth.secretId, mount_point: auth.mountPath ?? 'approle' });
      } else {
        let jwt: string;
        try {
          jwt = (await readFile(auth.jwtPath ?? DEFAULT_JWT_PATH, 'utf8')).trim();
        } catch (err) {
          throw new VaultLoginError('kubernetes', { cause: new Error(`service-account token file unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})`) });
        }
        res = await client.kubernetesLogin({ role: auth.role, jwt, mount_point: auth.mountPath ?? 'kubernetes' });
      }
      if (typeof res.auth?.client_token !== 'string') throw new VaultRequestFailure('error', 'Vault login response had no client_token');
      client.token = res.auth.client_token;
      return { seconds: Number(res.auth.lease_duration ?? 0), renewable: res.auth.renewable === true };
    } catch (err) {
      if (err instanceof VaultLoginError) throw err;
      const failure = classifyVaultError(err);
      if (failure.kind === 'denied' || failure.kind === 'bad-request') throw new VaultLoginError(auth.method, { cause: failure });
      throw failure;
    }
  }

  /** Logs in once; concurrent callers share the attempt; a failed attempt is forgotten so the next call retries. */
  function ensureAuthenticated(): Promise<void> {
    authenticated ??= (async () => {
      const gen = ++generation;
      const lease = await login();
      loginLeaseSeconds = lease.grantSeconds ?? lease.seconds;
      logger.info('vault login succeeded', { vault: { auth_method: auth.method, lease_seconds: lease.seconds, renewable: lease.renewable } });
      schedule(lease, gen);
    })().catch((err: unknown) => {
      authenticated = undefined;
      throw err;
    });
    return authenticated;
  }

  function dropToken(): void {
    clearTimer();
    authenticated = undefined;
    generation++;
  }

  async function relogin(gen: number, why: string): Promise<void> {
    if (closed || gen !== generation) return;
    if (auth.method === 'token') {
      logger.warn('vault token can no longer be renewed; it will expire', { vault: { auth_method: auth.method }, event: { reason: why } });
      return;
    }
    logger.info('vault re-login', { vault: { auth_method: auth.method }, event: { reason: why } });
    dropToken();
    try {
      await ensureAuthenticated();
    } catch (err) {
      // The next get() logs in again lazily.
      logger.error('vault re-login failed', { vault: { auth_method: auth.method }, error: { code: (err as PlatformError).code ?? (err as VaultRequestFailure).kind } });
    }
  }

  async function renew(gen: number): Promise<void> {
    if (closed || gen !== generation) return;
    try {
      const res = (await client.tokenRenewSelf(loginLeaseSeconds > 0 ? { increment: loginLeaseSeconds } : {})) as { auth?: { lease_duration?: unknown; renewable?: unknown } };
      if (gen !== generation) return;
      const lease = { seconds: Number(res.auth?.lease_duration ?? 0), renewable: res.auth?.renewable === true };
      logger.debug('vault token renewed', { vault: { auth_method: auth.method, lease_seconds: lease.seconds } });
      if (lease.seconds <= 0) return void relogin(gen, 'renewal returned no lease');
      schedule(lease, gen);
    } catch (err) {
      const failure = classifyVaultError(err);
      logger.warn('vault token renewal failed', { vault: { auth_method: auth.method }, error: { type: failure.kind, message: failure.message } });
      await relogin(gen, `renewal failed: ${failure.kind}`);
    }
  }

  async function readKv(name: string): Promise<{ value: SecretValue; version: number | undefined }> {
    const res = (await client.read(`${mount}/data/${pathPrefix}${name}`)) as {
      data?: { data?: unknown; metadata?: { version?: unknown } | null } | null;
    };
    const data = res.data?.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new VaultRequestFailure('error', 'KV v2 response had no data object (is the mount KV version 2?)');
    }
    const version = typeof res.data?.metadata?.version === 'number' ? res.data.metadata.version : undefined;
    return { value: toSecretValue(data as Record<string, unknown>), version };
  }

  async function fetchFromVault(name: string): Promise<{ value: SecretValue; version: number | undefined }> {
    await ensureAuthenticated();
    try {
      return await readKv(name);
    } catch (err) {
      const failure = classifyVaultError(err);
      if (failure.kind !== 'denied' || auth.method === 'token') throw failure;
      // Token revoked or expired behind our back: log in again and retry exactly once.
      logger.info('vault denied a read; logging in again', { vault: { auth_method: auth.method } });
      dropToken();
      await ensureAuthenticated();
      return readKv(name);
    }
  }

  function toSecretError(name: string, err: unknown): PlatformError {
    if (isPlatformError(err, 'ERR_VAULT_LOGIN')) return new SecretUnavailableError(name, 'login-failed', { cause: err });
    if (isPlatformError(err)) return err;
    const failure = classifyVaultError(err);
    if (failure.kind === 'not-found') return new SecretNotFoundError(name, { cause: failure });
    const reason: SecretUnavailableReason =
      failure.kind === 'sealed' ? 'sealed' : failure.kind === 'unreachable' ? 'unreachable' : failure.kind === 'denied' ? 'denied' : 'invalid-response';
    return new SecretUnavailableError(name, reason, { cause: failure });
  }

  return {
    async get(name) {
      if (closed) throw new TypeError('secret provider is closed');
      assertSecretName(name);
      const startedNs = process.hrtime.bigint();
      const hit = cache?.get(name);
      if (hit) {
        auditSecretRead(options.audit, { name, source: 'cache', version: hit.version, startedNs }, options.onRead);
        return hit.value;
      }
      let pending = inflight.get(name);
      if (!pending) {
        pending = fetchFromVault(name)
          .then((read) => {
            if (!closed) cache?.set(name, { value: read.value, version: read.version });
            return read;
          })
          .finally(() => inflight.delete(name));
        inflight.set(name, pending);
      }
      try {
        const read = await pending;
        auditSecretRead(options.audit, { name, source: 'vault', version: read.version, startedNs }, options.onRead);
        return read.value;
      } catch (err) {
        const error = toSecretError(name, err);
        auditSecretRead(options.audit, { name, source: 'vault', startedNs, error }, options.onRead);
        logger.warn('secret read failed', { secret: { name }, error: { code: error.code, type: error.name, message: error.message } });
        throw error;
      }
    },

    invalidate(name) {
      assertSecretName(name);
      cache?.delete(name);
    },

    async ready() {
      if (closed) return false;
      try {
        const health = (await client.health()) as { initialized?: unknown; sealed?: unknown };
        if (health.initialized !== true || health.sealed !== false) return false;
        await ensureAuthenticated();
        return true;
      } catch (err) {
        const code = isPlatformError(err) ? err.code : classifyVaultError(err).kind;
        logger.warn('vault not ready', { error: { code } });
        return false;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      clearTimer();
      cache?.clear();
      // Tokens this provider created are revoked; a configured token belongs to the operator.
      if (auth.method !== 'token' && authenticated) {
        try {
          await authenticated;
          await client.tokenRevokeSelf();
        } catch {
          // best effort: the token expires on its own
        }
      }
      client.token = '';
    },
  };
}
