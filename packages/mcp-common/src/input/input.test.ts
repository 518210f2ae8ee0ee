import { describe, expect, it } from 'vitest';
import { PlatformError } from '../errors/index.ts';
import { assertArgumentsSafe, findHostileArgument } from './arguments.ts';
import { jsonDepthGuard } from './index.ts';
import { assertJsonDepth } from './json-depth.ts';

const deep = (n: number, inner = '1'): string => '['.repeat(n) + inner + ']'.repeat(n);

describe('assertJsonDepth (before parsing)', () => {
  it('passes bodies within the limit, strings with brackets included', () => {
    expect(() => assertJsonDepth(Buffer.from(deep(64)), 64)).not.toThrow();
    expect(() => assertJsonDepth(Buffer.from(JSON.stringify({ a: '[[[[[[{{{{{{', b: '\\"[[[' })), 2)).not.toThrow();
  });

  it('refuses a body one level too deep with a 400 ERR_VALIDATION naming the path', () => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { list: [1, 2, JSON.parse(deep(10))] } } }));
    let thrown: unknown;
    try {
      assertJsonDepth(body, 8);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PlatformError);
    expect(thrown).toMatchObject({ code: 'ERR_VALIDATION', status: 400, message: 'params.arguments.list[2][0][0][0][0]: JSON nested deeper than 8 levels' });
  });

  it('refuses a million-deep body in one linear pass, without recursion', () => {
    expect(() => jsonDepthGuard(64)(undefined, undefined, Buffer.from(deep(1_000_000)))).toThrow('JSON nested deeper than 64 levels');
  });

  it('keeps control characters and long keys out of the path it reports', () => {
    const key = `k\\u0000${'x'.repeat(100)}`;
    expect(() => assertJsonDepth(Buffer.from(`{"${key}":${deep(5)}}`), 3)).toThrow(/^k\?x{38}…\[0\]\[0\]: JSON nested deeper than 3 levels$/);
  });

  it('is misuse to ask for a depth below 1', () => {
    expect(() => jsonDepthGuard(0)).toThrow(TypeError);
  });
});

describe('findHostileArgument (before the policy and any upstream)', () => {
  it('passes ordinary arguments, emoji (surrogate pairs) included', () => {
    expect(findHostileArgument({ short_description: 'VPN down 😀', impact: 2, tags: ['a', 'b'], nested: { ok: [{ x: '' }] } })).toBeUndefined();
  });

  it('refuses whitespace-only strings anywhere, naming the field, unless the argument allows it', () => {
    expect(findHostileArgument({ work_note: ' \t\n ' })).toBe('work_note: must not be blank (whitespace only)');
    expect(findHostileArgument({ labels: ['ok', '\u3000'] })).toBe('labels[1]: must not be blank (whitespace only)');
    expect(findHostileArgument({ params: { name: '\u00a0' } })).toBe('params.name: must not be blank (whitespace only)');
    expect(findHostileArgument({ content: '\n' }, { whitespaceAllowed: ['content'] })).toBeUndefined();
    expect(findHostileArgument({ content: '\n', message: ' ' }, { whitespaceAllowed: ['content'] })).toBe('message: must not be blank (whitespace only)');
  });

  it('refuses lone surrogates in values and in keys', () => {
    expect(findHostileArgument({ path: 'docs/\ud800.md' })).toBe('path: is not valid Unicode (lone surrogate)');
    expect(findHostileArgument({ query: '\udc00abc' })).toBe('query: is not valid Unicode (lone surrogate)');
    expect(findHostileArgument({ params: { ['a\ud800']: 'x' } })).toBe('params.a?: property name is not valid Unicode (lone surrogate)');
    expect(findHostileArgument({ ['\udfff']: 'x' })).toBe('?: argument name is not valid Unicode (lone surrogate)');
  });

  it('refuses huge arrays, objects and strings, and deep nesting, naming the field', () => {
    expect(findHostileArgument({ device_ids: new Array(1001).fill('x') })).toBe('device_ids: more than 1000 items');
    expect(findHostileArgument({ params: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])) })).toBe('params: more than 1000 properties');
    expect(findHostileArgument({ body: 'x'.repeat(65_537) })).toBe('body: longer than 65536 characters');
    expect(findHostileArgument({ content: 'x'.repeat(65_537) }, { maxStringChars: 1_000_000 })).toBeUndefined();
    let nested: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) nested = [nested];
    expect(findHostileArgument({ a: nested })).toBe(`a${'[0]'.repeat(31)}: nested deeper than 32 levels`);
  });

  it('throws ERR_VALIDATION through assertArgumentsSafe', () => {
    expect(() => assertArgumentsSafe({ q: '  ' })).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION', message: 'q: must not be blank (whitespace only)' }));
  });
});
