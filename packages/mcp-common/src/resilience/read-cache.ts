import { LRUCache } from 'lru-cache';
import { currentRequestContext } from '../logging/context.ts';
import type { Logger } from '../logging/types.ts';
import type { RedisClient } from '../redis/index.ts';

/** A cached upstream read: the value and when the upstream gave it (epoch ms). */
export interface CachedRead {
  value: unknown;
  storedAtMs: number;
}

/** An answer served from the cache while the upstream's breaker was open. */
export interface StaleRead {
  upstream: string;
  /** How old the answer is, in ms (now minus when the upstream gave it). */
  ageMs: number;
}

/**
 * Options of {@link createUpstreamReadCache}. Every duration is in milliseconds.
 *
 * @example
 * ```ts
 * const cache = createUpstreamReadCache({ name: 'catalyst-center', freshForMs: 2_000, keepForMs: 900_000, redis: redis?.client, logger });
 * ```
 */
export interface UpstreamReadCacheOptions {
  /** Upstream name (also part of the Redis key). */
  name: string;
  /** How long a read is answered from the cache without asking the upstream. Default 0 (always ask). */
  freshForMs?: number;
  /** How long a read is kept for stale answers while the upstream's breaker is open. Default 900000 (15 min). */
  keepForMs?: number;
  /** In-process entries (LRU). Default 1000. */
  maxEntries?: number;
  /** Shares the cache across replicas (`REDIS_URL`); reads fall back to in-process when Redis fails. */
  redis?: RedisClient;
  logger?: Logger;
  now?: () => number;
}

/** The read cache of one upstream (see {@link createUpstreamReadCache}). */
export interface UpstreamReadCache {
  readonly name: string;
  readonly freshForMs: number;
  readonly keepForMs: number;
  /**
   * A cached read younger than `freshForMs` and stored since the last {@link invalidate} (in-process
   * only: the hot path never waits for Redis); never during a write tool's call.
   */
  fresh(key: string): CachedRead | undefined;
  /** A cached read younger than `keepForMs` and its age in ms: in-process first, then Redis. */
  kept(key: string): Promise<(CachedRead & { ageMs: number }) | undefined>;
  /**
   * Where the cache stands before a read is sent: pass it to {@link store} with that read's answer, so an
   * answer that raced an {@link invalidate} (a write) is kept for degraded mode but never served fresh.
   */
  epoch(): number;
  /**
   * Stores a read the upstream just gave (Redis write in the background; a failure is logged, not thrown).
   * `since` = {@link epoch} before the read was sent; when a write invalidated the cache since, the answer
   * is kept for stale answers only. `fresh: false` does the same for a read that reports work in progress.
   */
  store(key: string, value: unknown, options?: { since?: number; fresh?: boolean }): void;
  /**
   * A write went (or is going) to this upstream through this process: every entry stored so far stops
   * being fresh at once (each stays kept for degraded mode). Called by the upstream policy before and
   * after every call that is not a cached read.
   */
  invalidate(): void;
}

/** An in-process entry: the read, and the {@link UpstreamReadCache.epoch} it may be served fresh in (-1: never). */
interface LocalEntry extends CachedRead {
  freshEpoch: number;
}

/**
 * Builds the read cache of one upstream: an in-process LRU (`lru-cache`, TTL =
 * `keepForMs`) and, when a Redis connection is given, the same entries in
 * Redis (`SET … PX keepForMs`) so that every replica can answer stale reads.
 * The upstream policy uses it for calls that pass a `cacheKey` (reads only):
 * answer from the cache while fresh, store what the upstream returns, and
 * while the breaker is open answer the kept copy, recording the stale read on
 * the request (see {@link staleReadsOfCurrentRequest}).
 *
 * @example
 * ```ts
 * const policy = createUpstreamPolicy({ name: 'catalyst-center', readCache: createUpstreamReadCache({ name: 'catalyst-center' }) });
 * ```
 */
export function createUpstreamReadCache(options: UpstreamReadCacheOptions): UpstreamReadCache {
  const freshForMs = options.freshForMs ?? 0;
  const keepForMs = options.keepForMs ?? 900_000;
  const maxEntries = options.maxEntries ?? 1_000;
  for (const [key, value, min] of [
    ['freshForMs', freshForMs, 0],
    ['keepForMs', keepForMs, 1],
    ['maxEntries', maxEntries, 1],
  ] as const) {
    if (!Number.isFinite(value) || value < min) throw new TypeError(`createUpstreamReadCache: ${key} must be a number >= ${min}`);
  }
  if (freshForMs > keepForMs) throw new TypeError('createUpstreamReadCache: freshForMs must not exceed keepForMs');
  const now = options.now ?? Date.now;
  const local = new LRUCache<string, LocalEntry>({ max: maxEntries, ttl: keepForMs, ttlAutopurge: false, perf: { now } });
  const redisKey = (key: string) => `mcp:read:${options.name}:${key}`;
  // Bumped by every invalidate(): an entry is fresh only in the epoch it was stored in.
  let epoch = 0;
  let lastWarn = 0;
  const warn = (action: string, err: unknown) => {
    if (now() - lastWarn < 10_000) return;
    lastWarn = now();
    options.logger?.warn('read cache: redis failed; in-process copy only', { event: { action }, error: { message: err instanceof Error ? err.message : String(err) } });
  };

  return {
    name: options.name,
    freshForMs,
    keepForMs,
    fresh(key) {
      // A write decides and compares on the upstream's current state, never on a cached copy.
      if (freshForMs === 0 || currentRequestContext()?.upstreamWrite === true) return undefined;
      const hit = local.get(key);
      return hit && hit.freshEpoch === epoch && now() - hit.storedAtMs < freshForMs ? { value: hit.value, storedAtMs: hit.storedAtMs } : undefined;
    },
    async kept(key) {
      const hit = local.get(key);
      if (hit) return { value: hit.value, storedAtMs: hit.storedAtMs, ageMs: Math.max(0, now() - hit.storedAtMs) };
      if (!options.redis) return undefined;
      try {
        const raw = await options.redis.sendCommand(['GET', redisKey(key)]);
        if (typeof raw !== 'string') return undefined;
        const parsed = JSON.parse(raw) as Partial<CachedRead>;
        if (typeof parsed.storedAtMs !== 'number' || now() - parsed.storedAtMs >= keepForMs) return undefined;
        return { value: parsed.value, storedAtMs: parsed.storedAtMs, ageMs: Math.max(0, now() - parsed.storedAtMs) };
      } catch (err) {
        warn('read-cache-get', err);
        return undefined;
      }
    },
    epoch: () => epoch,
    store(key, value, storeOptions = {}) {
      const entry: CachedRead = { value, storedAtMs: now() };
      const servable = storeOptions.fresh !== false && (storeOptions.since === undefined || storeOptions.since === epoch);
      local.set(key, { ...entry, freshEpoch: servable ? epoch : -1 });
      options.redis?.sendCommand(['SET', redisKey(key), JSON.stringify(entry), 'PX', String(keepForMs)]).catch((err: unknown) => warn('read-cache-set', err));
    },
    invalidate() {
      epoch++;
    },
  };
}

/** Records that the current request got a stale answer from `upstream`'s cache. */
export function noteStaleRead(read: StaleRead): void {
  const ctx = currentRequestContext();
  if (ctx) (ctx.staleReads ??= []).push(read);
}

/** The stale reads the current request got (empty when every answer came from the upstream). */
export function staleReadsOfCurrentRequest(): readonly StaleRead[] {
  return currentRequestContext()?.staleReads ?? [];
}
