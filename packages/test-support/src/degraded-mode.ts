import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerUnderTest, SpineHarness } from './spine-harness.ts';

/** One tool call: who calls, which tool, with what. */
export interface DegradedCall {
  user: string;
  tool: string;
  args: Record<string, unknown>;
}

/** An upstream simulator that can go down (every simulator of `@mcp-platform/sandboxes` is one). */
export interface DegradableSimulator {
  /** Answers the next `count` calls with `status` (`failNext(0, …)` ends it). */
  failNext(count: number, status: number): void;
  /** Every request answered so far. */
  state: { requests: readonly unknown[] };
  stop(): Promise<void>;
}

/** What {@link describeDegradedMode} needs to know about one server. */
export interface DegradedModeSpec<S extends DegradableSimulator, V extends ServerUnderTest> {
  /** e.g. `mcp-itsm`. */
  server: string;
  /** The dependency's key in `/readyz` and `_meta` (e.g. `servicenow`) and its human name (e.g. `ServiceNow`). */
  upstream: { key: string; label: string };
  /** Starts the server's harness (`startHarness` of its tests). */
  start(): Promise<SpineHarness<S, V>>;
  /** The server's upstream breaker state (`closed`, `open`, `half-open`). */
  breakerState(server: V): string;
  /** A cacheable read, answered once while the upstream is up and then again from the cache. */
  read: DegradedCall;
  /** Reads never answered before (one per `i`), which fail while the upstream is down and open the breaker. */
  uncachedRead(i: number): DegradedCall;
  /** A write (or command) that must be refused before it reaches the upstream; `what` names it in the test title. */
  write: DegradedCall & { what: string };
}

/**
 * The degraded-mode contract every server with an upstream keeps, as one vitest suite: the upstream
 * goes down (every call 503) until its breaker opens; reads answered before come back from the
 * read cache marked stale with their age (`_meta["io.mcp-platform/stale"]` and a closing text
 * line), reads never answered fail (nothing is invented), writes are refused with
 * `ERR_UPSTREAM_DEGRADED` before anything reaches the upstream, and `/readyz` says `degraded`.
 *
 * @example
 * ```ts
 * describeDegradedMode({ server: 'mcp-itsm', upstream: { key: 'servicenow', label: 'ServiceNow' }, start: () => startHarness(),
 *   breakerState: (s) => s.deps.servicenow.breakerState(), read, uncachedRead, write });
 * ```
 */
export function describeDegradedMode<S extends DegradableSimulator, V extends ServerUnderTest>(spec: DegradedModeSpec<S, V>): void {
  const { upstream } = spec;
  let h: SpineHarness<S, V>;
  beforeAll(async () => {
    h = await spec.start();
  });
  afterAll(async () => {
    h?.sim.failNext(0, 503);
    await h?.stop();
  });
  const call = async ({ user, tool, args }: DegradedCall): Promise<CallToolResult> => (await (await h.client(user)).callTool({ name: tool, arguments: args })) as CallToolResult;
  const readyz = async (): Promise<{ status: number; body: { status: string; checks: Record<string, unknown> } }> => {
    const r = await fetch(new URL('/readyz', h.server.url));
    return { status: r.status, body: (await r.json()) as { status: string; checks: Record<string, unknown> } };
  };

  describe(`${spec.server} in degraded mode (${upstream.label} down, breaker open)`, () => {
    it(`reads from ${upstream.label} while it is up, unmarked`, async () => {
      const r = await call(spec.read);
      expect(r.isError).toBeFalsy();
      expect(r._meta?.['io.mcp-platform/stale']).toBeUndefined();
      expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', checks: { [upstream.key]: true } } });
    });

    it('answers the same read from the cache, marked stale with its age, once the breaker is open; /readyz says degraded', async () => {
      const fresh = await call(spec.read);
      h.sim.failNext(10_000, 503);
      // Reads never answered before fail (nothing is invented) until the breaker opens.
      for (let i = 0; i < 3 && spec.breakerState(h.server) !== 'open'; i++) {
        const r = await call(spec.uncachedRead(i));
        expect(r.isError).toBe(true);
      }
      expect(spec.breakerState(h.server)).toBe('open');
      expect(await readyz()).toMatchObject({ status: 200, body: { status: 'degraded', checks: { [upstream.key]: 'degraded' } } });

      const stale = await call(spec.read);
      expect(stale.isError).toBeFalsy();
      expect(stale.structuredContent).toEqual(fresh.structuredContent);
      const meta = stale._meta?.['io.mcp-platform/stale'] as { stale: boolean; ageMs: number; upstreams: string[] };
      expect(meta).toMatchObject({ stale: true, upstreams: [upstream.key] });
      expect(meta.ageMs).toBeGreaterThanOrEqual(0);
      const note = new RegExp(`^\\(stale: ${upstream.label} is down; answered from the cache, \\d+ s old\\)$`);
      expect(stale.content.at(-1)).toMatchObject({ type: 'text', text: expect.stringMatching(note) as unknown });
    });

    it(`refuses ${spec.write.what} with ERR_UPSTREAM_DEGRADED before anything reaches ${upstream.label}`, async () => {
      const before = h.sim.state.requests.length;
      const r = await call(spec.write);
      expect(r.isError).toBe(true);
      expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_UPSTREAM_DEGRADED', retryable: true });
      expect(h.sim.state.requests.length).toBe(before);
    });
  });
}
