import { hash } from 'node:crypto';

/**
 * The fingerprint of a bearer token — SHA-256, base64url — the key under which the platform caches
 * what it learned about a token (its verification, its exchanged tokens, a caller's tool lists), so
 * that no cache is keyed by a token itself. One-shot `hash` (no `Hash` object per call). A request
 * takes it two or three times; remembering the last token's digest was tried and was slower than
 * hashing again (a constant-time compare of a ~1 KB token costs more than its SHA-256).
 *
 * @example
 * ```ts
 * const key = `${tokenFingerprint(token)} ${audience}`;
 * ```
 */
export function tokenFingerprint(token: string): string {
  return hash('sha256', token, 'base64url');
}
