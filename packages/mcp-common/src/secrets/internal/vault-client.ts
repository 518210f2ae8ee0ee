import nodeVault from 'node-vault';

/** The slice of node-vault's client this module uses. */
export type NodeVaultClient = ReturnType<typeof nodeVault>;

/** What went wrong talking to Vault, reduced to what decisions need. */
export type VaultFailureKind = 'sealed' | 'unreachable' | 'denied' | 'not-found' | 'bad-request' | 'error';

/**
 * A sanitized Vault failure used as `cause`. node-vault's own errors may carry the axios request
 * config (including the `X-Vault-Token` header); this keeps only the status, Vault's `errors`
 * strings and the network error code.
 */
export class VaultRequestFailure extends Error {
  readonly kind: VaultFailureKind;
  readonly status: number | undefined;

  constructor(kind: VaultFailureKind, message: string, status?: number) {
    super(message);
    this.name = 'VaultRequestFailure';
    this.kind = kind;
    this.status = status;
  }
}

interface ResponseLike {
  response?: { statusCode?: unknown; body?: unknown };
  code?: unknown;
}

/** Classifies any error node-vault throws into a {@link VaultRequestFailure}. */
export function classifyVaultError(err: unknown): VaultRequestFailure {
  if (err instanceof VaultRequestFailure) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ResponseLike;
  const status = typeof e.response?.statusCode === 'number' ? e.response.statusCode : undefined;
  if (status !== undefined) {
    const body = e.response?.body as { errors?: unknown } | undefined;
    const vaultErrors = Array.isArray(body?.errors) ? body.errors.filter((x): x is string => typeof x === 'string') : [];
    const detail = `Vault responded ${status}${vaultErrors.length > 0 ? `: ${vaultErrors.join('; ')}` : ''}`;
    if (status === 503 || vaultErrors.some((m) => m.includes('Vault is sealed'))) return new VaultRequestFailure('sealed', detail, status);
    if (status === 403 || status === 401) return new VaultRequestFailure('denied', detail, status);
    if (status === 404) return new VaultRequestFailure('not-found', detail, status);
    if (status === 400) return new VaultRequestFailure('bad-request', detail, status);
    if (status >= 500) return new VaultRequestFailure('unreachable', detail, status);
    return new VaultRequestFailure('error', detail, status);
  }
  const code = typeof e.code === 'string' ? e.code : undefined;
  // No HTTP response at all: connection refused/reset, DNS, timeout (axios ECONNABORTED / ETIMEDOUT).
  return new VaultRequestFailure('unreachable', `Vault request failed${code ? ` (${code})` : ''}`);
}

/** Creates a node-vault client that ignores `VAULT_*` environment defaults: configuration is passed in. */
export function createNodeVaultClient(options: { address: string; namespace?: string | undefined; requestTimeoutMs: number }): NodeVaultClient {
  const client = nodeVault({
    apiVersion: 'v1',
    endpoint: options.address,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    requestOptions: { timeout: options.requestTimeoutMs },
  });
  // node-vault falls back to VAULT_TOKEN / VAULT_NAMESPACE / VAULT_PREFIX from the environment; undo that.
  client.token = '';
  const mutable = client as unknown as { namespace: string | undefined; pathPrefix: string };
  mutable.namespace = options.namespace || undefined;
  mutable.pathPrefix = '';
  return client;
}
