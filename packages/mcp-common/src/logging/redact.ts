/**
 * Redaction applied to every log line before it is serialized: sensitive keys
 * are masked whatever their value, bearer tokens and JWTs are masked wherever
 * they appear in a string, and secret values registered at run time (what the
 * secret provider read) are masked anywhere in the line.
 */
export const REDACTED = '[REDACTED]';

const SENSITIVE_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|password|passwd|pwd|secret|client_secret|clientsecret|secret_id|secretid|token|access_token|refresh_token|id_token|api[-_]?key|private[-_]?key|x-auth-token|x-vault-token|credentials?)$/i;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

const registeredSecrets = new Set<string>();

/**
 * Registers a secret value (e.g. a password read from Vault) so that it is
 * masked if it ever reaches a log line. Values shorter than 6 characters are
 * ignored: masking them would mangle ordinary words.
 *
 * @example
 * ```ts
 * registerSecretValue(secret.password);
 * ```
 */
export function registerSecretValue(value: string): void {
  if (typeof value === 'string' && value.length >= 6) registeredSecrets.add(value);
}

// Log lines reuse a small vocabulary of keys: each key's verdict is remembered (bounded, so hostile keys cannot grow it).
const keyVerdicts = new Map<string, boolean>();
const KEY_VERDICTS_MAX = 4096;

/** True when `key` names a field whose value must never be logged. */
export function isSensitiveKey(key: string): boolean {
  const known = keyVerdicts.get(key);
  if (known !== undefined) return known;
  const verdict = SENSITIVE_KEY.test(key);
  if (keyVerdicts.size < KEY_VERDICTS_MAX) keyVerdicts.set(key, verdict);
  return verdict;
}

// The shortest strings each pattern can match: `eyJxxxxx.xxxxx.` (15) and `Basic xxxxxxxx` (14); registered secrets have at least 6 characters.
const JWT_MIN = 15;
const BEARER_MIN = 14;
const SECRET_MIN = 6;

/** Masks JWTs, bearer/basic credentials and registered secret values inside a string. */
export function redactString(value: string): string {
  if (value.length < SECRET_MIN) return value;
  let out = value;
  if (out.length >= JWT_MIN && out.includes('eyJ')) out = out.replace(JWT, REDACTED);
  if (out.length >= BEARER_MIN) out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  for (const secret of registeredSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * Returns a deep copy of `value` with sensitive keys and values masked.
 * Cycles are cut; depth is bounded so a pathological object cannot stall logging.
 */
export function redact(value: unknown, depth = 0, seen?: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12) return '[Truncated]';
  if (seen === undefined) seen = new WeakSet();
  else if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (value instanceof Error) {
    // ECS error fields; the original object never reaches the serializer.
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: redactString(value.message),
      ...(typeof code === 'string' ? { code } : {}),
      ...(value.stack ? { stack_trace: redactString(value.stack) } : {}),
    };
  }
  const out: Record<string, unknown> = {};
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    // A sensitive key's scalar value is masked; an object under such a key (e.g. audit's
    // `secret: { name, source }`) is descended into, its own sensitive keys masked in turn.
    const scalar = typeof v !== 'object' || v === null || Array.isArray(v);
    out[k] = isSensitiveKey(k) && scalar && v !== undefined && v !== null ? REDACTED : redact(v, depth + 1, seen);
  }
  return out;
}
