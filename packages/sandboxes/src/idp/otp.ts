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
  return devOtpStep(secret, code, timestampMs) !== undefined;
}

/** The TOTP time step (counter) of `timestampMs`: `floor(t / period)`. */
function devOtpStepAt(timestampMs: number = Date.now()): number {
  return Math.floor(timestampMs / (DEV_OTP_POLICY.periodSeconds * 1000));
}

/**
 * The time step `code` belongs to for `secret` (the current step, or the one before or after), or
 * `undefined` when it is no valid code now — what a replay guard keys on.
 *
 * @example
 * ```ts
 * const step = devOtpStep(user.devOtpSecret, params.otp); // 58_400_123 | undefined
 * ```
 */
export function devOtpStep(secret: string, code: unknown, timestampMs: number = Date.now()): number | undefined {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secret).validate({ token: code, timestamp: timestampMs, window: 1 });
  return delta === null ? undefined : devOtpStepAt(timestampMs) + delta;
}

/** Remembers which (user, time step) one-time codes were used, so a code works once (Keycloak: `otpPolicyCodeReusable: false`). */
export interface OtpReplayGuard {
  /** True (and remembered) when `user`'s code of `step` was not used before; false for a replay. */
  claim(user: string, step: number, nowMs?: number): boolean;
  /** Whether `user`'s code of `step` was used. */
  used(user: string, step: number): boolean;
}

/**
 * A replay guard in memory. An entry lives until its step can no longer be valid (two steps after
 * it), so the map holds at most three entries per user.
 *
 * @example
 * ```ts
 * const guard = createOtpReplayGuard();
 * guard.claim('alice', step); // true
 * guard.claim('alice', step); // false: the same code again
 * ```
 */
export function createOtpReplayGuard(): OtpReplayGuard {
  const seen = new Map<string, number>();
  const key = (user: string, step: number): string => `${user}\u0000${String(step)}`;
  return {
    claim(user, step, nowMs = Date.now()) {
      const now = devOtpStepAt(nowMs);
      for (const [k, expires] of seen) if (expires < now) seen.delete(k);
      const k = key(user, step);
      if (seen.has(k)) return false;
      seen.set(k, step + 2);
      return true;
    },
    used: (user, step) => seen.has(key(user, step)),
  };
}
