import { PlatformError, type PlatformErrorOptions } from '../errors/base.ts';

/** Why a secret could not be served. */
export type SecretUnavailableReason = 'sealed' | 'unreachable' | 'denied' | 'login-failed' | 'invalid-response' | 'source-error';

const REASON_TEXT: Record<SecretUnavailableReason, string> = {
  sealed: 'the secret store is sealed',
  unreachable: 'the secret store is unreachable',
  denied: 'the secret store denied access',
  'login-failed': 'login to the secret store failed',
  'invalid-response': 'the secret store returned an unexpected response',
  'source-error': 'the secret source could not be read',
};

/**
 * A secret could not be read and no fresh cached copy exists. The message names the secret and the
 * reason, never a value or a token.
 *
 * @example
 * ```ts
 * try { await secrets.get('github'); }
 * catch (err) { if (err instanceof SecretUnavailableError && err.reason === 'sealed') alertOnCall(); }
 * ```
 */
export class SecretUnavailableError extends PlatformError<'ERR_SECRET_UNAVAILABLE'> {
  readonly secretName: string;
  readonly reason: SecretUnavailableReason;

  constructor(secretName: string, reason: SecretUnavailableReason, options: PlatformErrorOptions = {}) {
    super('ERR_SECRET_UNAVAILABLE', `Secret "${secretName}" is unavailable: ${REASON_TEXT[reason]} and no fresh cached copy exists`, options);
    this.secretName = secretName;
    this.reason = reason;
  }
}

/**
 * The secret does not exist at its configured path (KV v2 `404`, or absent from a local source).
 *
 * @example
 * ```ts
 * await expect(secrets.get('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
 * ```
 */
export class SecretNotFoundError extends PlatformError<'ERR_SECRET_NOT_FOUND'> {
  readonly secretName: string;

  constructor(secretName: string, options: PlatformErrorOptions = {}) {
    super('ERR_SECRET_NOT_FOUND', `Secret "${secretName}" was not found`, options);
    this.secretName = secretName;
  }
}

/**
 * Vault rejected the platform's own credentials (token, AppRole or Kubernetes login).
 *
 * @example
 * ```ts
 * if (err instanceof VaultLoginError) logger.error('check the AppRole secret_id', { error: { code: err.code } });
 * ```
 */
export class VaultLoginError extends PlatformError<'ERR_VAULT_LOGIN'> {
  readonly method: 'token' | 'approle' | 'kubernetes';

  constructor(method: 'token' | 'approle' | 'kubernetes', options: PlatformErrorOptions = {}) {
    super('ERR_VAULT_LOGIN', `Vault login with method "${method}" was rejected`, options);
    this.method = method;
  }
}
