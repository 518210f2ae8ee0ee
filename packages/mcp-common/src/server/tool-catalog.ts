import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY, createMcpHandler, type McpServerFactory } from '@modelcontextprotocol/server';

/** One `tools/list` result per protocol era, every tool listed, in declaration order. */
export interface ToolListings {
  /** The 2026-07-28 result (`tools` plus the SDK's envelope fields: `resultType`, cache hints, `_meta`). */
  modern: { tools: unknown[] } & Record<string, unknown>;
  /** The 2025-11-25 result (`{ tools }`). */
  legacy: { tools: unknown[] } & Record<string, unknown>;
}

/** The per-process tool catalog: listings computed once, by the SDK itself. */
export interface ToolCatalog {
  /** Resolves the listings (computed on first use, then shared). */
  listings(): Promise<ToolListings>;
}

/** Options of {@link createToolCatalog}. */
export interface ToolCatalogOptions {
  /**
   * The SDK path's own server factory. Called without a caller (no `authInfo`), it registers
   * every tool and filters none: exactly the server the SDK path lists from.
   */
  factory: McpServerFactory;
  /** How many tools the server has (a listing of any other length is refused). */
  toolCount: number;
}

const LISTING_URL = 'http://catalog.invalid/mcp';

async function listThroughSdk(handler: ReturnType<typeof createMcpHandler>, modern: boolean): Promise<ToolListings['modern']> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': modern ? '2026-07-28' : '2025-11-25',
  };
  if (modern) headers['mcp-method'] = 'tools/list';
  const params = modern
    ? { _meta: { [PROTOCOL_VERSION_META_KEY]: '2026-07-28', [CLIENT_INFO_META_KEY]: { name: 'catalog', version: '1' }, [CLIENT_CAPABILITIES_META_KEY]: {} } }
    : {};
  const response = await handler.fetch(new Request(LISTING_URL, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params }) }));
  const text = await response.text();
  const json = modern ? text : (text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice('data: '.length);
  const message = JSON.parse(json) as { result?: ToolListings['modern'] };
  if (!response.ok || !message.result || !Array.isArray(message.result.tools)) throw new Error(`the SDK did not list the tools (HTTP ${response.status})`);
  return message.result;
}

/**
 * Lists the tools of `factory`'s server (called without a caller) through the SDK's own
 * `createMcpHandler` in both eras: the `tools/list` results exactly as the SDK path answers them
 * (envelope fields, per-era schema rewrites). One short-lived handler per call; the MCP gateway
 * uses it to encode a caller's composed list once.
 *
 * @example
 * ```ts
 * const { modern, legacy } = await listToolsThroughSdk(() => serverWithTools);
 * ```
 */
export async function listToolsThroughSdk(factory: McpServerFactory): Promise<ToolListings> {
  const handler = createMcpHandler(factory, { legacy: 'stateless' });
  try {
    const [modern, legacy] = await Promise.all([listThroughSdk(handler, true), listThroughSdk(handler, false)]);
    return { modern, legacy };
  } finally {
    await handler.close();
  }
}

/**
 * Builds the tool catalog: the SDK path's server, with every tool, listed once
 * through the SDK's own `createMcpHandler` in both eras, so the fast path
 * serves exactly the JSON Schemas and envelope fields the SDK would (per
 * caller, it filters this list instead of registering tools per request).
 *
 * @example
 * ```ts
 * const catalog = createToolCatalog({ factory, toolCount: tools.length });
 * const { modern } = await catalog.listings();
 * ```
 */
export function createToolCatalog(opts: ToolCatalogOptions): ToolCatalog {
  let pending: Promise<ToolListings> | undefined;
  const compute = async (): Promise<ToolListings> => {
    const listings = await listToolsThroughSdk(opts.factory);
    if (listings.modern.tools.length !== opts.toolCount || listings.legacy.tools.length !== opts.toolCount) throw new Error('the SDK listed a different number of tools');
    return listings;
  };
  return {
    listings: () => {
      pending ??= compute().catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
  };
}
