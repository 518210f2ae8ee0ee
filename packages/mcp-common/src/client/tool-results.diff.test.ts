import { SdkError, SdkErrorCode, specTypeSchemas, type CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeCallToolResult } from './tool-results.ts';

/**
 * The reference: how the hop decoded a `tools/call` result before it had a path of its own for the plainest
 * results — the same resultType and wire rules, then the SDK's own `CallToolResult` schema for everything.
 */
function reference(raw: unknown): CallToolResult {
  const method = 'tools/call';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: not an object`, { method });
  const { resultType, ...rest } = raw as Record<string, unknown>;
  if (resultType === undefined) {
    throw new SdkError(
      SdkErrorCode.InvalidResult,
      `Invalid result for ${method}: missing required resultType — servers implementing protocol revision 2026-07-28 MUST include it (the absent-means-complete bridge applies only to earlier-revision servers)`,
      { method, violation: 'missing-resultType' },
    );
  }
  if (typeof resultType !== 'string') throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: non-string resultType`, { method, resultType });
  if (resultType === 'input_required') {
    const requests = (raw as Record<string, unknown>)['inputRequests'];
    const some = requests !== null && typeof requests === 'object' && !Array.isArray(requests) && Object.keys(requests).length > 0;
    if (!some && typeof (raw as Record<string, unknown>)['requestState'] !== 'string') {
      throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: input_required carries neither inputRequests nor requestState (every input_required result must include at least one of the two)`, {
        method,
        violation: 'input-required-missing-both',
      });
    }
    throw new SdkError(SdkErrorCode.CapabilityNotSupported, `Cannot fulfil the input requests of ${method}: the platform's MCP client declares no client capabilities`, { method });
  }
  if (resultType !== 'complete') throw new SdkError(SdkErrorCode.UnsupportedResultType, `Unsupported result type '${resultType}' for ${method}`, { resultType, method });
  if (!Array.isArray(rest['content'])) throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: content: expected an array`, { method });
  const checked = specTypeSchemas.CallToolResult['~standard'].validate(rest) as { value?: unknown; issues?: readonly { message: string; path?: readonly unknown[] }[] };
  if (checked.issues) {
    const where = checked.issues.map((i) => `${(i.path ?? []).map((p) => String(typeof p === 'object' && p !== null && 'key' in p ? (p as { key: unknown }).key : p)).join('.') || '<root>'}: ${i.message}`).join('; ');
    throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: ${where}`, { method });
  }
  return checked.value as CallToolResult;
}

type Outcome = { ok: true; json: string; value: unknown } | { ok: false; name: string; code: unknown; message: string };

function outcome(decode: (raw: unknown) => CallToolResult, text: string): Outcome {
  // Each side gets its own parse of the same JSON text: the hop decodes what `JSON.parse` made of an answer.
  try {
    const value = decode(JSON.parse(text));
    return { ok: true, json: JSON.stringify(value), value };
  } catch (err) {
    const e = err as SdkError;
    return { ok: false, name: e.name, code: e.code, message: e.message };
  }
}

/** Both decoders agree on `text`: the same value (and the same JSON, key order included), or the same error. */
function expectSame(text: string): Outcome {
  const mine = outcome(decodeCallToolResult, text);
  const theirs = outcome(reference, text);
  if (mine.ok && theirs.ok) {
    expect(mine.json, text).toBe(theirs.json);
    expect(mine.value, text).toEqual(theirs.value);
  } else {
    expect(mine, text).toEqual(theirs);
  }
  return mine;
}

const text = (t: string) => ({ type: 'text', text: t });
const device = { id: 'd1', hostname: 'sjc01-core-01', role: 'CORE', platform: 'C9500', reachability: 'Reachable', software: '17.9.4' };
const complete = (fields: Record<string, unknown>) => JSON.stringify({ resultType: 'complete', ...fields });

/** Results the hop meets every day: a tool's answer, a tool's failure, the platform's error envelope. */
const PLAIN = [
  complete({ content: [text('sjc01-core-01 (C9500, CORE) is Reachable')], structuredContent: { device } }),
  complete({ structuredContent: { device }, content: [text('out of order keys')] }),
  complete({ content: [text('Permission denied.')], isError: true, _meta: { 'io.mcp-platform/error': { code: 'ERR_AUTHZ_DENIED', retryable: false } } }),
  complete({ content: [] }),
  complete({ content: [text('a'), text(''), text('ü \u2028 \ud83d\ude00')], isError: false }),
  complete({ content: [{ text: 'text first', type: 'text' }] }),
  complete({ content: [text('x')], structuredContent: [1, 2, 3] }),
  complete({ content: [text('x')], structuredContent: null }),
  complete({ content: [text('x')], structuredContent: 'a string' }),
  complete({ content: [text('x')], structuredContent: 0 }),
  complete({ content: [text('x')], structuredContent: { nested: { deep: [{ a: null }] } } }),
  complete({ content: [text('x')], _meta: {} }),
  complete({ content: [text('x')], _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't1' }, progressToken: 3 } }),
  complete({ _meta: { a: 1 }, isError: false, structuredContent: {}, content: [text('all four, reversed')] }),
  // What a 2026-07-28 server sends: its serverInfo stamped into _meta (first or not).
  complete({ content: [text('stamped')], structuredContent: { device }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-network', version: '0.1.0' } } }),
  complete({ content: [text('stamped')], _meta: { 'io.mcp-platform/error': { code: 'ERR_X' }, 'io.modelcontextprotocol/serverInfo': { version: '1', name: 'n' }, z: null } }),
  complete({ content: [], _meta: { 'io.modelcontextprotocol/serverInfo': { name: '', version: '' } } }),
  // Taken as it is, as the schema takes it (`structuredContent` is any value there).
  '{"resultType":"complete","content":[],"structuredContent":{"__proto__":{"polluted":true}}}',
];

/** Results the fast check must hand to the schema: every one is decided by it (accepted with its output, or refused with its message). */
const HOSTILE = [
  '{"resultType":"complete","content":[{"type":"text"}]}',
  '{"resultType":"complete","content":[{"type":"text","text":1}]}',
  '{"resultType":"complete","content":[{"type":"text","text":null}]}',
  '{"resultType":"complete","content":[{"type":"TEXT","text":"x"}]}',
  '{"resultType":"complete","content":[{"type":"text","text":"x","extra":1}]}',
  '{"resultType":"complete","content":[{"type":"text","text":"x","__proto__":{"polluted":true}}]}',
  '{"resultType":"complete","content":[{"type":"text","text":"x","annotations":{"audience":["user"],"priority":0.5}}]}',
  '{"resultType":"complete","content":[{"type":"text","text":"x","annotations":{"priority":2}}]}',
  '{"resultType":"complete","content":[{"type":"text","text":"x","annotations":{"lastModified":"yesterday"}}]}',
  '{"resultType":"complete","content":[{"type":"text","text":"x","_meta":{"k":1}}]}',
  '{"resultType":"complete","content":[{"type":"text","text":"x","_meta":[1]}]}',
  '{"resultType":"complete","content":[{"type":"image","data":"aGk=","mimeType":"image/png"}]}',
  '{"resultType":"complete","content":[{"type":"image","data":"aGk="}]}',
  '{"resultType":"complete","content":[{"type":"audio","data":"aGk=","mimeType":"audio/wav"}]}',
  '{"resultType":"complete","content":[{"type":"resource_link","uri":"file:///a","name":"a"}]}',
  '{"resultType":"complete","content":[{"type":"resource","resource":{"uri":"file:///a","text":"hi"}}]}',
  '{"resultType":"complete","content":[{"type":"resource","resource":{"uri":"file:///a"}}]}',
  '{"resultType":"complete","content":[null]}',
  '{"resultType":"complete","content":["text"]}',
  '{"resultType":"complete","content":[[{"type":"text","text":"x"}]]}',
  '{"resultType":"complete","content":{"0":{"type":"text","text":"x"}}}',
  '{"resultType":"complete"}',
  '{"resultType":"complete","content":null}',
  '{"resultType":"complete","content":[],"isError":"true"}',
  '{"resultType":"complete","content":[],"isError":1}',
  '{"resultType":"complete","content":[],"isError":null}',
  '{"resultType":"complete","content":[],"_meta":null}',
  '{"resultType":"complete","content":[],"_meta":[]}',
  '{"resultType":"complete","content":[],"_meta":"m"}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":5,"x":1}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":null}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"n"}}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"n","version":1}}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"n","version":"1","title":"T"}}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"n","version":"1","extra":true}}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"n","version":"1","icons":[{"src":"x"}]}}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"n","version":"1","__proto__":{"p":1}}}}',
  '{"resultType":"complete","content":[],"_meta":{"io.modelcontextprotocol/serverInfo":[]}}',
  '{"resultType":"complete","content":[],"_meta":{"__proto__":{"polluted":true},"x":1}}',
  '{"resultType":"complete","content":[],"__proto__":{"isError":true}}',
  '{"resultType":"complete","content":[],"extra":{"kept":true}}',
  '{"resultType":"complete","content":[],"constructor":"x","toString":1}',
  '{"resultType":"complete","content":[],"toolResult":{"legacy":true}}',
  '{"resultType":"task","content":[]}',
  '{"resultType":"input_required","content":[]}',
  '{"resultType":"input_required","content":[],"requestState":"s"}',
  '{"resultType":5,"content":[]}',
  '{"content":[]}',
  '[{"resultType":"complete","content":[]}]',
  'null',
  '"complete"',
  '42',
];

describe('decodeCallToolResult against the SDK schema (the hop\'s answer check)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('decodes the plainest results without the schema, to exactly the schema\'s output', () => {
    const validate = vi.spyOn(specTypeSchemas.CallToolResult['~standard'], 'validate');
    for (const t of PLAIN) {
      const mine = outcome(decodeCallToolResult, t);
      expect(mine.ok, t).toBe(true);
    }
    // None of them reached the schema through decodeCallToolResult …
    expect(validate).not.toHaveBeenCalled();
    // … and each is what the schema makes of it.
    for (const t of PLAIN) expectSame(t);
  });

  it('leaves every other result to the schema: the same acceptances and outputs, the same refusals and messages', () => {
    const validate = vi.spyOn(specTypeSchemas.CallToolResult['~standard'], 'validate');
    let refused = 0;
    for (const t of HOSTILE) {
      const calls = validate.mock.calls.length;
      const mine = outcome(decodeCallToolResult, t);
      const reachedSchema = validate.mock.calls.length > calls;
      // Either refused before the schema (resultType, content not an array, not an object) or decided by it.
      if (!reachedSchema) expect(mine.ok, t).toBe(false);
      if (!mine.ok) refused += 1;
      expectSame(t);
    }
    expect(refused).toBeGreaterThan(20);
    // Nothing leaked onto Object.prototype through a `__proto__` key.
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('agrees with the schema over 4,000 generated results near the plain shape (seeded)', () => {
    let seed = 0x5eed;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const scalars = [null, true, false, 0, 1.5, -1, '', 'x', 'text', 'image', 'complete', [], {}];
    const block = (): unknown => {
      const b: Record<string, unknown> = {};
      if (rand() < 0.95) b['type'] = rand() < 0.85 ? 'text' : pick(['image', 'audio', 'resource', 'resource_link', 'Text', 1, null]);
      if (rand() < 0.95) b['text'] = rand() < 0.85 ? pick(['a', '', 'ünï', '\ud800']) : pick(scalars);
      if (rand() < 0.1) b[pick(['annotations', '_meta', 'extra', 'data', 'mimeType', 'uri', 'name'])] = pick([...scalars, { priority: 0.5 }, { audience: ['user'] }]);
      return rand() < 0.03 ? pick(scalars) : b;
    };
    const result = (): unknown => {
      const r: Record<string, unknown> = {};
      if (rand() < 0.97) r['resultType'] = rand() < 0.95 ? 'complete' : pick(['task', 'input_required', 1, null]);
      if (rand() < 0.95) r['content'] = rand() < 0.95 ? Array.from({ length: Math.floor(rand() * 4) }, block) : pick(scalars);
      if (rand() < 0.5) r['structuredContent'] = pick([...scalars, { device }, [device]]);
      if (rand() < 0.3) r['isError'] = rand() < 0.8 ? rand() < 0.5 : pick(scalars);
      if (rand() < 0.3) r['_meta'] = rand() < 0.8 ? pick([{}, { a: 1 }, { 'io.modelcontextprotocol/serverInfo': { name: 'n', version: '1' } }, { x: 1, 'io.modelcontextprotocol/serverInfo': { version: '1', name: 'n' } }, { 'io.modelcontextprotocol/serverInfo': { name: 'n', version: 2 } }, { 'io.modelcontextprotocol/serverInfo': { name: 'n', version: '1', title: 't' } }, { 'io.modelcontextprotocol/serverInfo': 1 }]) : pick(scalars);
      if (rand() < 0.05) r[pick(['extra', 'toolResult', 'nextCursor'])] = pick(scalars);
      return r;
    };
    let accepted = 0;
    for (let i = 0; i < 4_000; i++) {
      if (expectSame(JSON.stringify(result())).ok) accepted += 1;
    }
    // Both kinds are well represented.
    expect(accepted).toBeGreaterThan(1_000);
    expect(accepted).toBeLessThan(3_800);
  });
});
