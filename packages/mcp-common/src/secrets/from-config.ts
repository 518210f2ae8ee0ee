import type { AuditLogger, Logger } from '../logging/types.ts';
import type { SecretProvider } from './types.ts';
import { createVaultSecretProvider, type VaultSecretProviderOptions } from './vault-provider.ts';
import { createLocalSecretProvider, type LocalSecretSource } from './local-provider.ts';

export interface SecretProviderConfig {
  /** Vault settings; used when `address` is a non-empty string (typically from `VAULT_ADDR`). */
  vault?: Partial<Omit<VaultSecretProviderOptions, 'logger' | 'audit' | 'now'>> | undefined;
  /** Fallback when no Vault address is configured; default: no secrets (every `get` is not-found). */
  local?: LocalSecretSource | undefined;
  logger: Logger;
  audit: AuditLogger;
  /** Clock for caches, epoch ms; default `Date.now`. */
  now?: () => number;
}

/**
 * Picks the secret source from parsed configuration: Vault when an address is configured, else the
 * local source. Logs which one was chosen (never a value).
 *
 * @example
 * ```ts
 * const secrets = createSecretProviderFromConfig({
 *   vault: config.vaultAddr ? { address: config.vaultAddr, auth: { method: 'token', token: config.vaultToken } } : undefined,
 *   local: { file: './secrets.local.json' },
 *   logger, audit,
 * });
 * ```
 */
export function createSecretProviderFromConfig(config: SecretProviderConfig): SecretProvider {
  const { vault, logger, audit } = config;
  if (vault?.address) {
    if (!vault.auth) throw new TypeError('vault.auth is required when vault.address is set');
    logger.info('secrets from vault', { vault: { address: vault.address, auth_method: vault.auth.method } });
    return createVaultSecretProvider({
      ...vault,
      address: vault.address,
      auth: vault.auth,
      logger,
      audit,
      ...(config.now ? { now: config.now } : {}),
    });
  }
  const local = config.local ?? { secrets: {} };
  logger.info('secrets from local source', { secrets: { source: 'file' in local ? 'file' : 'embedded' } });
  return createLocalSecretProvider({ ...local, logger, audit });
}
