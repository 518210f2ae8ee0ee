import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, errorCodeInfo, isPlatformErrorCode, platformErrorOf, PlatformError, problemTypeOf } from './index.ts';

const DOC = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

describe('the one error vocabulary', () => {
  it('is documented row for row in docs/errors.md (status, retryability, meaning)', () => {
    const rows = [...DOC.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d{3}) \| (yes|no) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3] === 'yes', m[4]]);
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, info]) => [code, info.status, info.retryable, info.summary]));
  });

  it('derives problem types and recognises only its own codes', () => {
    expect(problemTypeOf('ERR_UPSTREAM_INVALID_RESPONSE')).toBe('https://mcp-platform.dev/problems/upstream-invalid-response');
    expect(errorCodeInfo('ERR_UPSTREAM_TIMEOUT')).toMatchObject({ status: 504, retryable: true });
    expect(isPlatformErrorCode('ERR_VALIDATION')).toBe(true);
    for (const hostile of ['toString', '__proto__', 'constructor', 'ERR_validation', '', 42, null]) expect(isPlatformErrorCode(hostile)).toBe(false);
  });
});

describe('platformErrorOf', () => {
  it('finds the typed error behind wrappers and stops on cycles', () => {
    const typed = new PlatformError('ERR_UPSTREAM_TIMEOUT', 'slow');
    expect(platformErrorOf(typed)).toBe(typed);
    expect(platformErrorOf(new Error('outer', { cause: new Error('mid', { cause: typed }) }))).toBe(typed);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(platformErrorOf(loop)).toBeUndefined();
    expect(platformErrorOf('ERR_UPSTREAM_TIMEOUT')).toBeUndefined();
    expect(platformErrorOf({ code: 'ERR_UPSTREAM_TIMEOUT' })).toBeUndefined();
  });
});
