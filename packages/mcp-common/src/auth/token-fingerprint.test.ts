import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { tokenFingerprint } from './token-fingerprint.ts';

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64url');

it('is the SHA-256 of the token (base64url) for every token, asked again or in turn', () => {
  const a = `eyJhbGciOiJSUzI1NiJ9.${'a'.repeat(600)}.sigA`;
  // Same length as `a`, differing only in its last characters.
  const b = `eyJhbGciOiJSUzI1NiJ9.${'a'.repeat(600)}.sigB`;
  const c = 'ünïcödé-öpaque-tökén';
  for (const token of [a, a, b, a, b, b, c, a, '', '', c]) expect(tokenFingerprint(token)).toBe(sha256(token));
});

it('never answers with another token\'s digest, whatever order the tokens come in', () => {
  const tokens = Array.from({ length: 64 }, (_, i) => `token-${String(i % 7)}-${'x'.repeat(i % 3)}`);
  for (let round = 0; round < 3; round++) {
    for (const t of tokens) expect(tokenFingerprint(t)).toBe(sha256(t));
  }
});
