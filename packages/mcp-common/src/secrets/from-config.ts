import { trace } from '@opentelemetry/api';
import type { CommonServerConfig } from '../config/common.ts';
import type { PlatformMetrics } from '../metrics/index.ts';
import { ATTR, inSpan } from '../telemetry/spans.ts';
import type { SecretReadEvent } from './internal/audit.ts';
import { registerSecretValue } from '../logging/redact.ts';
import type { AuditLogger, Logger } from '../logging/types.ts';
import { createLocalSecretProvider } from './local-provider.ts';
import type { SecretProvider, SecretValue } from './types.ts';
import { createVaultSecretProvider, type VaultAuth } from './vault-provider.ts';

/** The `VAULT_*` / secrets variables every service parses (`secretsEnv`). */
export type SecretsConfig = Pick<
  CommonServerConfig,
  | 'VAULT_ADDR'
  | 'VAULT_AUTH_METHOD'
  | 'VAULT_TOKEN'
  | 'VAULT_ROLE_ID'
  | 'VAULT_SECRET_ID'
  | 'VAULT_K8S_ROLE'
  | 'VAULT_K8S_JWT_PATH'
  | 'VAULT_NAMESPACE'
  | 'VAULT_KV_MOUNT'
  | 'VAULT_KV_PREFIX'
  | 'SECRETS_CACHE_TTL_MS'
  | 'LOCAL_SECRETS_FILE'
  | 'ALLOW_DEV_SECRETS'
>;

/** Options of {@link createSecretProviderFromConfig}. */
export interface SecretProviderOptions {
  logger: Logger;
  /** Receives one audit event per secret read. */
  audit: AuditLogger;
  /** DEV ONLY credentials, served when neither Vault nor a secrets file is configured and `ALLOW_DEV_SECRETS` is true. */
  devSecrets?: Record<string, Record<string, string>>;
  /** Counts every read in `mcp_secret_reads_total{secret,source,outcome}` (source `vault`, `cache` or `local`). */
  metrics?: Pick<PlatformMetrics, 'secretReads'>;
}

function vaultAuth(config: SecretsConfig): VaultAuth {
  switch (config.VAULT_AUTH_METHOD) {
    case 'approle':
      return { method: 'approle', roleId: config.VAULT_ROLE_ID ?? '', secretId: config.VAULT_SECRET_ID ?? '' };
    case 'kubernetes':
      return { method: 'kubernetes', role: config.VAULT_K8S_ROLE ?? '', jwtPath: config.VAULT_K8S_JWT_PATH };
    default:
      return { method: 'token', token: config.VAULT_TOKEN ?? '' };
  }
}

/** Every value the provider hands out is registered for log redaction before anyone can log it. */
/** Every value read is registered for log redaction; every read is a `secret read` span. */
function redacting(inner: SecretProvider): SecretProvider {
  return {
    get: (name: string): Promise<SecretValue> =>
      inSpan('secret read', { attributes: { [ATTR.SECRET_NAME]: name } }, async () => {
        const value = await inner.get(name);
        for (const v of Object.values(value)) registerSecretValue(v);
        return value;
      }),
    invalidate: (name) => inner.invalidate(name),
    ready: () => inner.ready(),
    close: () => inner.close(),
  };
}

/**
 * The one way to build the secret provider of a service: Vault when
 * `VAULT_ADDR` is set (token, AppRole or Kubernetes login), else the
 * `LOCAL_SECRETS_FILE`, else — only with `ALLOW_DEV_SECRETS` — the embedded dev
 * credentials. Every value read is registered for log redaction. Used by every
 * MCP server and the deploy worker.
 *
 * @throws TypeError when no source is configured and dev secrets are not allowed.
 * @example
 * ```ts
 * const secrets = createSecretProviderFromConfig(config, { logger, audit: logger, devSecrets: DEV_SECRETS });
 * const { username, password } = await secrets.get('catalyst-center');
 * ```
 */
export function createSecretProviderFromConfig(config: SecretsConfig, options: SecretProviderOptions): SecretProvider {
  const { logger, audit } = options;
  const onRead = (read: SecretReadEvent): void => {
    options.metrics?.secretReads.inc({ secret: read.name, source: read.source, outcome: read.errorCode === undefined ? 'success' : 'failure' });
    trace.getActiveSpan()?.setAttribute(ATTR.SECRET_SOURCE, read.source);
  };
  if (config.VAULT_ADDR !== undefined) {
    logger.info('secrets from vault', { vault: { address: config.VAULT_ADDR, auth_method: config.VAULT_AUTH_METHOD } });
    return redacting(
      createVaultSecretProvider({
        address: config.VAULT_ADDR,
        auth: vaultAuth(config),
        mount: config.VAULT_KV_MOUNT,
        pathPrefix: config.VAULT_KV_PREFIX,
        cacheTtlMs: config.SECRETS_CACHE_TTL_MS,
        logger,
        audit,
        onRead,
        ...(config.VAULT_NAMESPACE ? { namespace: config.VAULT_NAMESPACE } : {}),
      }),
    );
  }
  if (config.LOCAL_SECRETS_FILE !== undefined) {
    logger.info('secrets from local source', { secrets: { source: 'file' } });
    return redacting(createLocalSecretProvider({ file: config.LOCAL_SECRETS_FILE, logger, audit, onRead }));
  }
  if (!config.ALLOW_DEV_SECRETS) {
    throw new TypeError('no secret source: set VAULT_ADDR (or LOCAL_SECRETS_FILE), or ALLOW_DEV_SECRETS=true for local development');
  }
  logger.info('secrets from local source', { secrets: { source: 'embedded' } });
  return redacting(createLocalSecretProvider({ secrets: options.devSecrets ?? {}, logger, audit, onRead }));
}
