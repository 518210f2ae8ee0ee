export type { SecretProvider, SecretValue } from './types.ts';
export { SecretNotFoundError, SecretUnavailableError, VaultLoginError, type SecretUnavailableReason } from './errors.ts';
export { withUpstreamCredentials, type UpstreamCredentialsOptions } from './upstream-credentials.ts';
export { createSecretProviderFromConfig, type SecretProviderOptions, type SecretsConfig } from './from-config.ts';
