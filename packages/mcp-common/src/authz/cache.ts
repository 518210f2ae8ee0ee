import { LRUCache } from 'lru-cache';
import type { Authorizer, Decision, PolicyInput } from './types.ts';

export interface DecisionCacheOptions {
  /** How long a decision is reused, in milliseconds. Default 30000. */
  ttlMs?: number;
  /** Most decisions kept; the least recently used go first. Default 10000. */
  maxEntries?: number;
  /** Clock in milliseconds (tests inject one). Default `Date.now`. */
  now?: () => number;
}

/**
 * True when `input` asks an argument-independent question ("could this caller
 * call this tool at all", as for tools/list): no arguments and no resource.
 */
function isCacheable(input: PolicyInput): boolean {
  return input.resource === undefined && (input.arguments === undefined || Object.keys(input.arguments).length === 0);
}

function keyOf(input: PolicyInput): string {
  const { subject } = input;
  return JSON.stringify([
    subject.id,
    [...subject.groups].sort(),
    [...subject.scopes].sort(),
    subject.client_id ?? null,
    // The authentication strength decides step-up rules. auth_time (not the age) keys the entry, so
    // a decision may outlive max_age by at most ttlMs: only argument-free questions are cached.
    subject.acr ?? null,
    subject.auth_time ?? null,
    input.server,
    input.tool,
    input.action,
  ]);
}

/**
 * Wraps an {@link Authorizer} with an in-memory TTL cache for argument-independent
 * decisions only (empty `arguments` and no `resource`), keyed on subject id,
 * groups, scopes, client id, server, tool and action. `context` is not part of the
 * key, so the policy must not decide on `context.time` for such inputs.
 * Engine faults (`error` set) are never cached. Calls with arguments always go to `inner`.
 *
 * @example
 * ```ts
 * const authorizer = withDecisionCache(createOpaAuthorizer({ url }), { ttlMs: 30_000 });
 * const visible = await filterAsync(tools, (t) => authorizer.decide({ ...base, tool: t.name, action: t.action, arguments: {} }));
 * ```
 */
export function withDecisionCache(inner: Authorizer, options: DecisionCacheOptions = {}): Authorizer {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(ttlMs) || ttlMs < 0) throw new TypeError('ttlMs must be a non-negative integer');
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
  // Decisions (lru-cache): at most maxEntries, each for ttlMs.
  const entries = ttlMs === 0 ? undefined : new LRUCache<string, Decision>({ max: maxEntries, ttl: ttlMs, ttlResolution: 0, perf: { now } });

  const copy = (d: Decision): Decision => ({ ...d, reasons: [...d.reasons], ...(d.stepUp ? { stepUp: { ...d.stepUp, acrValues: [...d.stepUp.acrValues] } } : {}) });

  return {
    async decide(input: PolicyInput): Promise<Decision> {
      if (entries === undefined || !isCacheable(input)) return inner.decide(input);
      const key = keyOf(input);
      const hit = entries.get(key);
      if (hit !== undefined) return copy(hit);
      const decision = await inner.decide(input);
      if (decision.error === undefined) entries.set(key, copy(decision));
      return decision;
    },
    ready: () => inner.ready(),
    async close(): Promise<void> {
      entries?.clear();
      await inner.close();
    },
  };
}
