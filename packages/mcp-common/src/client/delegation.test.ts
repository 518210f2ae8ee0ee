import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger } from '@mcp-platform/test-support';
import { delegationFromConfig, parseDelegationConfig } from './index.ts';

const urls = z.record(z.string().regex(/^[a-z]+$/, 'backend names are lower-case'), z.url());
const schema = (defaults: Record<string, string>) =>
  z.object({ B: z.string().optional(), B_FILE: z.string().optional(), TOKEN_EXCHANGE_SCOPES: z.string().optional() }).transform((cfg, ctx) => {
    const d = parseDelegationConfig(ctx, { variable: 'B', fileVariable: 'B_FILE', json: cfg.B, file: cfg.B_FILE, scopes: cfg.TOKEN_EXCHANGE_SCOPES, defaults, schema: urls });
    return d ?? z.NEVER;
  });
const messages = (r: z.ZodSafeParseResult<unknown>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'delegation-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseDelegationConfig', () => {
  const defaults = { network: 'http://127.0.0.1:8101/mcp' };

  it('takes the defaults, then the file, and the JSON variable over the file', async () => {
    const file = join(dir, 'b.json');
    await writeFile(file, JSON.stringify({ itsm: 'http://10.0.0.2:8102/mcp' }));
    expect(schema(defaults).parse({})).toEqual({ backends: defaults, exchangeScopes: {} });
    expect(schema(defaults).parse({ B_FILE: file }).backends).toEqual({ itsm: 'http://10.0.0.2:8102/mcp' });
    expect(schema(defaults).parse({ B_FILE: file, B: '{"github":"http://10.0.0.3:8103/mcp"}' }).backends).toEqual({ github: 'http://10.0.0.3:8103/mcp' });
  });

  it('names the variable in every problem', () => {
    expect(messages(schema(defaults).safeParse({ B: '{not json' }))[0]).toMatch(/^B: is not readable JSON/);
    expect(messages(schema(defaults).safeParse({ B_FILE: join(dir, 'missing.json') }))[0]).toMatch(/^B_FILE: is not readable JSON/);
    expect(messages(schema(defaults).safeParse({ B: '{"Network":"http://x/mcp"}' }))[0]).toMatch(/^B: Network/);
    expect(messages(schema(defaults).safeParse({ TOKEN_EXCHANGE_SCOPES: '{"nosuch":"x"}' }))).toEqual(['TOKEN_EXCHANGE_SCOPES: names unknown backend(s): nosuch']);
    expect(messages(schema(defaults).safeParse({ TOKEN_EXCHANGE_SCOPES: '["x"]' }))).toEqual(['TOKEN_EXCHANGE_SCOPES: must be JSON {"<backend>": "<scope>"}']);
  });

  it('maps known backends to their exchange scope', () => {
    expect(schema(defaults).parse({ TOKEN_EXCHANGE_SCOPES: '{"network":"mcp:tools mcp-network"}' }).exchangeScopes).toEqual({ network: 'mcp:tools mcp-network' });
  });
});

describe('delegationFromConfig', () => {
  it('builds the exchanger and a pool with one backend per configured name (replica sets included)', async () => {
    const { exchanger, pool } = delegationFromConfig(
      {
        issuer: 'http://127.0.0.1:1',
        clientId: 'rest-proxy',
        clientSecret: 'x',
        earlyExpirySeconds: 30,
        backends: { network: 'http://127.0.0.1:8101/mcp', itsm: { resource: 'http://itsm.example/mcp', urls: ['http://127.0.0.1:8102/mcp', 'http://127.0.0.1:8112/mcp'] } },
        exchangeScopes: {},
        timeoutMs: 1000,
        breakerFailures: 5,
        breakerHalfOpenMs: 1000,
        healthTimeoutMs: 500,
      },
      { service: { name: 'rest-proxy', version: '0.1.0' }, logger: new MemoryLogger() },
    );
    expect(exchanger.exchanges).toBe(0);
    expect(pool.get('network')?.url).toBe('http://127.0.0.1:8101/mcp');
    expect(pool.get('itsm')?.url).toBe('http://itsm.example/mcp');
    await pool.close();
  });
});
