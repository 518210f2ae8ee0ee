/**
 * One-time codes (TOTP, RFC 6238) of the seeded users' second factor — DEV ONLY: the secrets are
 * in the seed, committed on purpose. The same secret is the user's OTP credential in the
 * Keycloak realm (whose stored value is the raw secret string, used as UTF-8 HMAC key), so
 * {@link devOtp} answers Keycloak's OTP form too.
 *
 * @module
 */
import { Secret, TOTP } from 'otpauth';

/** The OTP policy shared by the dev IdP and the realm: HMAC-SHA1, 6 digits, 30 s (Keycloak's defaults). */
export const DEV_OTP_POLICY = { algorithm: 'SHA1', digits: 6, periodSeconds: 30 } as const;

function totp(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromUTF8(secret), algorithm: DEV_OTP_POLICY.algorithm, digits: DEV_OTP_POLICY.digits, period: DEV_OTP_POLICY.periodSeconds });
}

/**
 * The one-time code of `secret` at `timestampMs` (default now).
 *
 * @example
 * ```ts
 * const code = devOtp(SEED_USERS[0]!.devOtpSecret); // '492039'
 * ```
 */
export function devOtp(secret: string, timestampMs: number = Date.now()): string {
  return totp(secret).generate({ timestamp: timestampMs });
}

/**
 * True when `code` is the code of `secret` for the current 30-second step or the one before or
 * after (clock drift), as Keycloak's default look-around window of 1.
 *
 * @example
 * ```ts
 * verifyDevOtp(user.devOtpSecret, params.otp); // true | false
 * ```
 */
export function verifyDevOtp(secret: string, code: unknown, timestampMs: number = Date.now()): boolean {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) return false;
  return totp(secret).validate({ token: code, timestamp: timestampMs, window: 1 }) !== null;
}
