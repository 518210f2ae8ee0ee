import { describe, expect, it } from 'vitest';
import { withDecisionCache } from './cache.ts';
import { unavailable } from './decision.ts';
import { ACCESS, deploy, input } from './inputs.fixture.ts';
import type { Authorizer, Decision, PolicyInput } from './types.ts';

/** A scripted inner authorizer that counts calls. */
function scripted(answer: (i: PolicyInput) => Decision = () => ({ allow: true, reasons: ['granted by group admin'] })) {
  const calls: PolicyInput[] = [];
  let closed = 0;
  const inner: Authorizer = {
    decide: async (i) => {
      calls.push(i);
      return answer(i);
    },
    ready: async () => true,
    close: async () => {
      closed++;
    },
  };
  return { inner, calls, closedCount: () => closed };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('withDecisionCache', () => {
  it('reuses an argument-independent decision until the TTL passes', async () => {
    const { inner, calls } = scripted();
    const c = clock();
    const authz = withDecisionCache(inner, { ttlMs: 30_000, now: c.now });
    const q = input(['admin'], 'network', 'read');

    expect(await authz.decide(q)).toEqual({ allow: true, reasons: ['granted by group admin'] });
    c.advance(30_000); // lru-cache: an entry is served while its age is at most the TTL
    await authz.decide({ ...q, context: { request_id: 'other', time: 'later' } });
    expect(calls).toHaveLength(1);

    c.advance(1);
    await authz.decide(q);
    expect(calls).toHaveLength(2);
  });

  it('never caches calls with arguments or a resource', async () => {
    const { inner, calls } = scripted();
    const authz = withDecisionCache(inner, { now: clock().now });
    const withArgs = input(['admin'], 'network', 'write', { arguments: { template_id: 'x' } });
    const withResource = input(['admin'], 'network', 'write', { resource: { devices: [] } });
    for (let i = 0; i < 3; i++) {
      await authz.decide(withArgs);
      await authz.decide(withResource);
      await authz.decide(deploy(['network-engineers'], [ACCESS]));
    }
    expect(calls).toHaveLength(9);
  });

  it('never caches engine errors', async () => {
    let down = true;
    const { inner, calls } = scripted(() => (down ? unavailable() : { allow: true, reasons: ['ok'] }));
    const authz = withDecisionCache(inner, { now: clock().now });
    const q = input(['admin'], 'network', 'read');
    expect((await authz.decide(q)).error).toBe('ERR_AUTHZ_UNAVAILABLE');
    expect((await authz.decide(q)).error).toBe('ERR_AUTHZ_UNAVAILABLE');
    down = false;
    expect(await authz.decide(q)).toEqual({ allow: true, reasons: ['ok'] });
    await authz.decide(q);
    expect(calls).toHaveLength(3);
  });

  it('keys on subject, groups, scopes, client, server, tool and action', async () => {
    const { inner, calls } = scripted();
    const authz = withDecisionCache(inner, { now: clock().now });
    const base = input(['service-desk', 'developers'], 'network', 'read');
    const variants: PolicyInput[] = [
      base,
      { ...base, subject: { ...base.subject, id: 'bob' } },
      { ...base, subject: { ...base.subject, groups: ['service-desk'] } },
      { ...base, subject: { ...base.subject, scopes: [] } },
      { ...base, subject: { ...base.subject, client_id: 'other-client' } },
      { ...base, server: 'itsm' },
      { ...base, tool: 'other_tool' },
      { ...base, action: 'write' },
    ];
    for (const v of variants) await authz.decide(v);
    expect(calls).toHaveLength(variants.length);
    // Group order does not matter.
    await authz.decide({ ...base, subject: { ...base.subject, groups: ['developers', 'service-desk'] } });
    expect(calls).toHaveLength(variants.length);
  });

  it('drops the least recently used entry beyond maxEntries', async () => {
    const { inner, calls } = scripted();
    const authz = withDecisionCache(inner, { maxEntries: 2, now: clock().now });
    const a = input(['admin'], 'network', 'read', { tool: 'a' });
    const b = input(['admin'], 'network', 'read', { tool: 'b' });
    const c = input(['admin'], 'network', 'read', { tool: 'c' });
    await authz.decide(a);
    await authz.decide(b);
    await authz.decide(a); // a is now the most recent
    await authz.decide(c); // evicts b
    expect(calls.map((i) => i.tool)).toEqual(['a', 'b', 'c']);
    await authz.decide(a);
    await authz.decide(b);
    expect(calls.map((i) => i.tool)).toEqual(['a', 'b', 'c', 'b']);
  });

  it('hands out copies so a caller cannot poison the cache', async () => {
    const { inner } = scripted();
    const authz = withDecisionCache(inner, { now: clock().now });
    const q = input(['admin'], 'network', 'read');
    const first = await authz.decide(q);
    first.reasons.push('tampered');
    first.allow = false;
    expect(await authz.decide(q)).toEqual({ allow: true, reasons: ['granted by group admin'] });
  });

  it('ttlMs 0 disables caching; close clears and closes the inner authorizer', async () => {
    const { inner, calls, closedCount } = scripted();
    const authz = withDecisionCache(inner, { ttlMs: 0, now: clock().now });
    const q = input(['admin'], 'network', 'read');
    await authz.decide(q);
    await authz.decide(q);
    expect(calls).toHaveLength(2);
    expect(await authz.ready()).toBe(true);
    await authz.close();
    expect(closedCount()).toBe(1);
  });

  it('rejects nonsense options as a TypeError', () => {
    const { inner } = scripted();
    expect(() => withDecisionCache(inner, { ttlMs: -1 })).toThrow(TypeError);
    expect(() => withDecisionCache(inner, { maxEntries: 0 })).toThrow(TypeError);
  });
});
