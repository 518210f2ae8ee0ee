import { afterEach, describe, expect, it, vi } from 'vitest';
import { callSignal } from './call-signal.ts';

afterEach(() => vi.useRealTimers());

describe('callSignal', () => {
  it('aborts at the deadline with a TimeoutError, as AbortSignal.timeout does', () => {
    vi.useFakeTimers();
    const client = new AbortController();
    const call = callSignal(client.signal, 1_000);
    vi.advanceTimersByTime(999);
    expect(call.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toBeInstanceOf(DOMException);
    expect((call.signal.reason as DOMException).name).toBe('TimeoutError');
    // The client going away later changes nothing.
    client.abort(new Error('late'));
    expect((call.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("aborts with the client's reason when the client goes away first, and then never times out", () => {
    vi.useFakeTimers();
    const client = new AbortController();
    const call = callSignal(client.signal, 1_000);
    const reason = new Error('client closed');
    client.abort(reason);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toBe(reason);
    vi.advanceTimersByTime(5_000);
    expect(call.signal.reason).toBe(reason);
  });

  it('is aborted at once when the client already is', () => {
    const client = new AbortController();
    client.abort('gone');
    const call = callSignal(client.signal, 1_000);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toBe('gone');
    call.done();
  });

  it('after done() neither the deadline nor the client aborts it, and no timer is left', () => {
    vi.useFakeTimers();
    const client = new AbortController();
    const call = callSignal(client.signal, 1_000);
    call.done();
    call.done();
    expect(vi.getTimerCount()).toBe(0);
    client.abort();
    vi.advanceTimersByTime(5_000);
    expect(call.signal.aborted).toBe(false);
  });

  it('works without a client signal', () => {
    vi.useFakeTimers();
    const call = callSignal(undefined, 10);
    vi.advanceTimersByTime(10);
    expect((call.signal.reason as DOMException).name).toBe('TimeoutError');
  });
});
