import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from './idempotency.ts';

const base = { subject: 'sam', tool: 'create_incident', args: { short_description: 'VPN down', impact: 2, urgency: 2 } };

describe('idempotencyKeys', () => {
  it('uses the caller key as is', () => {
    expect(idempotencyKeys({ ...base, given: 'wf-42' })).toEqual({ key: 'wf-42', matches: ['wf-42'], lockKey: 'given:wf-42' });
  });

  it('derives the same key for the same caller, tool and arguments in any order, and matches the previous window', () => {
    const now = 1_800_000_000_000;
    const a = idempotencyKeys({ ...base, now });
    const b = idempotencyKeys({ ...base, args: { urgency: 2, impact: 2, short_description: 'VPN down' }, now: now + 1 });
    expect(b).toEqual(a);
    expect(a.key).toMatch(/^auto-[0-9a-f]{32}-[0-9a-z]+$/);
    expect(a.key.length).toBeLessThanOrEqual(100);
    // A retry just after the window turned still matches the first call's key.
    const later = idempotencyKeys({ ...base, now: now + 600_000 });
    expect(later.matches).toContain(a.key);
    expect(later.lockKey).toBe(a.lockKey);
  });

  it('differs for another caller, another tool or other arguments', () => {
    const now = 1_800_000_000_000;
    const a = idempotencyKeys({ ...base, now }).key;
    expect(idempotencyKeys({ ...base, subject: 'nina', now }).key).not.toBe(a);
    expect(idempotencyKeys({ ...base, tool: 'create_change_request', now }).key).not.toBe(a);
    expect(idempotencyKeys({ ...base, args: { ...base.args, impact: 1 }, now }).key).not.toBe(a);
    expect(idempotencyKeys({ ...base, args: { ...base.args, nested: { a: 1, b: [1, 2] } }, now }).key).not.toBe(idempotencyKeys({ ...base, args: { ...base.args, nested: { a: 1, b: [2, 1] } }, now }).key);
  });

  it('is misuse to pass a window under one second', () => {
    expect(() => idempotencyKeys({ ...base, windowMs: 10 })).toThrow(TypeError);
  });
});
