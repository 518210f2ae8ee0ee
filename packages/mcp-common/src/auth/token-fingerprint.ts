import { hash, timingSafeEqual } from 'node:crypto';

// The last token fingerprinted and its digest. One request fingerprints its bearer token two or three
// times (the verifier's cache key, the token exchange's cache key, a per-caller tool-list key); the
// repeats get the digest without hashing again.
let lastToken: Buffer | undefined;
let lastDigest = '';

/**
 * The fingerprint of a bearer token — SHA-256, base64url — the key under which the platform caches
 * what it learned about a token (its verification, its exchanged tokens, its tool lists), so that no
 * cache is keyed by a token itself. The last token's digest is remembered: it is compared with the
 * next token in constant time (`timingSafeEqual`; only the length is compared first), so a caller
 * cannot learn another caller's token from how long the comparison took.
 *
 * @example
 * ```ts
 * const key = `${tokenFingerprint(token)} ${audience}`;
 * ```
 */
export function tokenFingerprint(token: string): string {
  const bytes = Buffer.from(token, 'utf8');
  if (lastToken !== undefined && lastToken.length === bytes.length && timingSafeEqual(lastToken, bytes)) return lastDigest;
  const digest = hash('sha256', bytes, 'base64url');
  lastToken = bytes;
  lastDigest = digest;
  return digest;
}
