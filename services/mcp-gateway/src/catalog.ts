import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/client';
import type { TokenExchanger } from '@mcp-platform/mcp-common/auth';
import type { Backend } from '@mcp-platform/mcp-common/client';

/** Options of {@link createToolCatalog}. */
export interface ToolCatalogOptions {
  exchanger: TokenExchanger;
  /** How long a caller's list per backend is reused, in ms; 0 disables the cache. */
  ttlMs: number;
  /** Most cached lists kept (oldest dropped first). Default 10000. */
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

const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url');

/**
 * The gateway's view of what each caller may call: the backend's own
 * `tools/list` answered for the caller's exchanged token (so each backend's
 * policy decides), cached per (SHA-256 of the caller's token, backend) for
 * `ttlMs`. Concurrent misses for one key share one request.
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
  const cache = new Map<string, { tools: Tool[]; fingerprint: string; expiresAt: number; backend: string }>();
  const inflight = new Map<string, Promise<Tool[]>>();

  const fetchList = async (key: string, callerToken: string, backend: Backend, signal?: AbortSignal): Promise<Tool[]> => {
    const delegated = await options.exchanger.exchange(callerToken, backend.url);
    const tools = await backend.listTools(delegated, signal);
    const fingerprint = sha256(JSON.stringify(tools));
    const previous = cache.get(key);
    if (previous !== undefined && previous.fingerprint !== fingerprint) options.onListChanged?.(backend.name);
    if (options.ttlMs > 0) {
      cache.delete(key);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(key, { tools, fingerprint, expiresAt: now() + options.ttlMs, backend: backend.name });
    }
    return tools;
  };

  return {
    toolsOf(callerToken, backend, signal) {
      const key = `${sha256(callerToken)} ${backend.name}`;
      const hit = cache.get(key);
      if (hit && hit.expiresAt > now()) return Promise.resolve(hit.tools);
      let pending = inflight.get(key);
      if (!pending) {
        pending = fetchList(key, callerToken, backend, signal).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return pending;
    },
    invalidate(backend) {
      if (backend === undefined) cache.clear();
      else for (const [k, v] of cache) if (v.backend === backend) cache.delete(k);
    },
  };
}
