import type { Tool } from '@modelcontextprotocol/client';
import type { TokenExchanger } from '@mcp-platform/mcp-common/auth';
import type { Backend } from '@mcp-platform/mcp-common/client';
import { describe, expect, it } from 'vitest';
import { createToolCatalog } from './catalog.ts';

const tool = (name: string): Tool => ({ name, inputSchema: { type: 'object' } });

/** A backend double that lists `lists[name]` for any token and counts (and can hold) its requests. */
function backendDouble(name: string, lists: Record<string, Tool[]>) {
  const seen: string[] = [];
  let gate: Promise<void> | undefined;
  const backend = {
    name,
    url: `http://${name}.invalid/mcp`,
    replicaUrls: [],
    async listTools(token: string) {
      seen.push(token);
      await gate;
      return lists[name] ?? [];
    },
  } as unknown as Backend; // only listTools is used by the catalog
  return {
    backend,
    seen,
    hold() {
      let release = (): void => undefined;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}
const exchanger: TokenExchanger = { exchange: async (subject, audience) => `${subject}@${audience}`, exchanges: 0 };

function setup(ttlMs: number, extra: { maxEntries?: number } = {}) {
  let t = 1_000_000;
  const changed: string[] = [];
  const lists: Record<string, Tool[]> = { network: [tool('get_device')], itsm: [tool('get_incident')] };
  const network = backendDouble('network', lists);
  const itsm = backendDouble('itsm', lists);
  const catalog = createToolCatalog({ exchanger, ttlMs, now: () => t, onListChanged: (b) => changed.push(b), ...extra });
  return { catalog, network, itsm, lists, changed, advance: (ms: number) => (t += ms) };
}

describe('the gateway tool catalog (lru-cache)', () => {
  it('reuses a caller list for ttlMs, per caller and backend, then asks again', async () => {
    const s = setup(10_000);
    expect(await s.catalog.toolsOf('tok-a', s.network.backend)).toEqual([tool('get_device')]);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    await s.catalog.toolsOf('tok-b', s.network.backend);
    await s.catalog.toolsOf('tok-a', s.itsm.backend);
    // The backend is asked with the caller's exchanged token, once per (caller, backend) within the TTL.
    expect(s.network.seen).toEqual(['tok-a@http://network.invalid/mcp', 'tok-b@http://network.invalid/mcp']);
    expect(s.itsm.seen).toHaveLength(1);
    s.advance(10_001);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    expect(s.network.seen).toHaveLength(3);
  });

  it('reports a changed list of a backend on refresh, and an unchanged one not at all', async () => {
    const s = setup(1_000);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    s.advance(1_001);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    expect(s.changed).toEqual([]);
    s.lists['network'] = [tool('get_device'), tool('list_devices')];
    s.advance(1_001);
    expect(await s.catalog.toolsOf('tok-a', s.network.backend)).toHaveLength(2);
    expect(s.changed).toEqual(['network']);
  });

  it('shares one backend request among concurrent misses of one key', async () => {
    const s = setup(10_000);
    const release = s.network.hold();
    const pending = Promise.all([1, 2, 3].map(() => s.catalog.toolsOf('tok-a', s.network.backend)));
    await new Promise((r) => setImmediate(r));
    release();
    expect((await pending).every((l) => l.length === 1)).toBe(true);
    expect(s.network.seen).toHaveLength(1);
  });

  it('invalidate(backend) retires that backend only, including a list fetched while it happened', async () => {
    const s = setup(60_000);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    await s.catalog.toolsOf('tok-a', s.itsm.backend);
    s.catalog.invalidate('network');
    await s.catalog.toolsOf('tok-a', s.network.backend);
    await s.catalog.toolsOf('tok-a', s.itsm.backend);
    expect([s.network.seen.length, s.itsm.seen.length]).toEqual([2, 1]);
    // A list asked for before an invalidation is answered to its caller but not served afterwards.
    const release = s.network.hold();
    s.advance(60_001);
    const inFlight = s.catalog.toolsOf('tok-a', s.network.backend);
    await new Promise((r) => setImmediate(r));
    s.catalog.invalidate('network');
    release();
    expect(await inFlight).toHaveLength(1);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    expect(s.network.seen).toHaveLength(4);
    // A change across an invalidation is not reported again (the invalidation itself was the news).
    expect(s.changed).toEqual([]);
    s.catalog.invalidate();
    await s.catalog.toolsOf('tok-a', s.itsm.backend);
    expect(s.itsm.seen).toHaveLength(2);
  });

  it('keeps at most maxEntries lists, dropping the least recently used', async () => {
    const s = setup(60_000, { maxEntries: 2 });
    await s.catalog.toolsOf('tok-a', s.network.backend);
    await s.catalog.toolsOf('tok-b', s.network.backend);
    await s.catalog.toolsOf('tok-a', s.network.backend); // tok-a is now the most recent
    await s.catalog.toolsOf('tok-c', s.network.backend); // drops tok-b
    await s.catalog.toolsOf('tok-a', s.network.backend);
    expect(s.network.seen).toHaveLength(3);
    await s.catalog.toolsOf('tok-b', s.network.backend);
    expect(s.network.seen).toHaveLength(4);
  });

  it('ttlMs 0 asks the backend every time', async () => {
    const s = setup(0);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    await s.catalog.toolsOf('tok-a', s.network.backend);
    expect(s.network.seen).toHaveLength(2);
  });

  it('refuses a bad size or TTL naming the option', () => {
    expect(() => createToolCatalog({ exchanger, ttlMs: 1, maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => createToolCatalog({ exchanger, ttlMs: -1 })).toThrow(/ttlMs/);
  });
});
