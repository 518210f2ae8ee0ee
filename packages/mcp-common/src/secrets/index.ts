export type { SecretProvider, SecretValue } from './types.ts';
export { SecretNotFoundError, SecretUnavailableError, VaultLoginError, type SecretUnavailableReason } from './errors.ts';
export { createVaultSecretProvider, type VaultAuth, type VaultSecretProviderOptions } from './vault-provider.ts';
export { createLocalSecretProvider, type LocalSecretProviderOptions, type LocalSecretSource } from './local-provider.ts';
export { withUpstreamCredentials, type UpstreamCredentialsOptions } from './upstream-credentials.ts';
export { createSecretProviderFromConfig, type SecretProviderOptions, type SecretsConfig } from './from-config.ts';
