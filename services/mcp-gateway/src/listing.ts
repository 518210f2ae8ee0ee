import { createHash } from 'node:crypto';
import { Server, type Tool } from '@modelcontextprotocol/server';
import { listToolsThroughSdk, type ToolListings } from '@mcp-platform/mcp-common/server';
import { LRUCache } from 'lru-cache';

/** Encodes a caller's composed tool list as the SDK path answers it. */
export interface ListingEncoder {
  /** The `tools/list` results of both eras for `tools`, as the gateway's SDK server encodes them. */
  encode(tools: Tool[]): Promise<ToolListings>;
}

/**
 * The fast path's `tools/list` answers: a composed list is handed once to an SDK server of the
 * gateway's name and listed through the SDK's own `createMcpHandler` in both eras (envelope fields,
 * per-era schema rewrites — exactly what the SDK path answers), and the answer is kept in an
 * `lru-cache` by the SHA-256 of the list, so callers with the same view share it. At most
 * `maxEntries` lists (default 256); a failed listing is not kept.
 *
 * @example
 * ```ts
 * const listings = createListingEncoder({ name: 'mcp-gateway', version: '0.1.0' });
 * const { modern, legacy } = await listings.encode(tools);
 * ```
 */
export function createListingEncoder(serverInfo: { name: string; version: string }, maxEntries = 256): ListingEncoder {
  const cache = new LRUCache<string, Promise<ToolListings>>({ max: maxEntries });
  return {
    encode(tools) {
      const key = createHash('sha256').update(JSON.stringify(tools)).digest('base64url');
      let listed = cache.get(key);
      if (listed === undefined) {
        listed = listToolsThroughSdk(() => {
          const server = new Server(serverInfo, { capabilities: { tools: { listChanged: true } } });
          server.setRequestHandler('tools/list', async () => ({ tools }));
          return server;
        });
        listed.catch(() => cache.delete(key));
        cache.set(key, listed);
      }
      return listed;
    },
  };
}
