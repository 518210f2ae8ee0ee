import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/client';
import { LRUCache } from 'lru-cache';
import { tokenFingerprint, type TokenExchanger } from '@mcp-platform/mcp-common/auth';
import type { Backend } from '@mcp-platform/mcp-common/client';

/** Options of {@link createToolCatalog}. */
export interface ToolCatalogOptions {
  exchanger: TokenExchanger;
  /** How long a caller's list per backend is reused, in ms; 0 disables the cache (every list is asked of the backend). */
  ttlMs: number;
  /** Most cached lists kept (least recently used dropped first). Default 10000. */
  maxEntries?: number;
  /** Called when a refreshed list of a backend differs from the one it replaces (names, schemas or annotations). */
  onListChanged?: (backend: string) => void;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** Per-caller tool lists of the backends, cached briefly. */
export interface ToolCatalog {
  /** The tools `callerToken`'s subject may call on `backend` (exchanged token, the backend's own policy). */
  toolsOf(callerToken: string, backend: Backend, signal?: AbortSignal): Promise<Tool[]>;
  /** Drops cached lists: of one backend, or all. */
  invalidate(backend?: string): void;
}

interface Entry {
  tools: Tool[];
  fingerprint: string;
  /** The backend's invalidation count when the list was asked for: an older one is not served (nor compared). */
  generation: number;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url');

/**
 * The gateway's view of what each caller may call: the backend's own
 * `tools/list` answered for the caller's exchanged token (so each backend's
 * policy decides), cached per (SHA-256 of the caller's token, backend) for
 * `ttlMs` in an `lru-cache` of at most `maxEntries` lists. Concurrent misses
 * for one key share one request. An expired list stays in the cache (not
 * served) until it is replaced, so a refresh can tell whether it changed;
 * `invalidate` retires a backend's lists, including one still being fetched.
 *
 * @example
 * ```ts
 * const catalog = createToolCatalog({ exchanger, ttlMs: 10_000, onListChanged: () => notify.toolsChanged() });
 * const tools = await catalog.toolsOf(callerToken, pool.get('network')!);
 * ```
 */
export function createToolCatalog(options: ToolCatalogOptions): ToolCatalog {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
  if (!Number.isInteger(options.ttlMs) || options.ttlMs < 0) throw new TypeError('ttlMs must be a non-negative integer');
  // noDeleteOnStaleGet: a get() of an expired list misses but keeps it, for the change check of its refresh.
  const cache = options.ttlMs > 0 ? new LRUCache<string, Entry>({ max: maxEntries, ttl: options.ttlMs, ttlResolution: 0, noDeleteOnStaleGet: true, perf: { now } }) : undefined;
  const inflight = new Map<string, Promise<Tool[]>>();
  // invalidate(backend) counts up instead of walking the cache (whose iterators skip expired entries).
  const generations = new Map<string, number>();
  const generationOf = (backend: string): number => generations.get(backend) ?? 0;

  const fetchList = async (key: string, callerToken: string, backend: Backend, signal?: AbortSignal): Promise<Tool[]> => {
    const generation = generationOf(backend.name);
    const delegated = await options.exchanger.exchange(callerToken, backend.url);
    const tools = await backend.listTools(delegated, signal);
    if (cache === undefined) return tools;
    const fingerprint = sha256(JSON.stringify(tools));
    const previous = cache.peek(key, { allowStale: true });
    if (previous !== undefined && previous.generation === generation && previous.fingerprint !== fingerprint) options.onListChanged?.(backend.name);
    cache.set(key, { tools, fingerprint, generation });
    return tools;
  };

  return {
    toolsOf(callerToken, backend, signal) {
      const key = `${tokenFingerprint(callerToken)} ${backend.name}`;
      const hit = cache?.get(key);
      if (hit !== undefined && hit.generation === generationOf(backend.name)) return Promise.resolve(hit.tools);
      let pending = inflight.get(key);
      if (!pending) {
        pending = fetchList(key, callerToken, backend, signal).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return pending;
    },
    invalidate(backend) {
      if (backend === undefined) cache?.clear();
      else generations.set(backend, generationOf(backend) + 1);
    },
  };
}
