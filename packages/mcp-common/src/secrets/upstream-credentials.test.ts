import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryLogger } from '@mcp-platform/test-support';
import { PlatformError } from '../errors/base.ts';
import { withUpstreamCredentials, type SecretProvider } from './index.ts';
import { createLocalSecretProvider } from './local-provider.ts';

/** A local provider whose source can be rotated, counting reads and invalidations. */
function rotatingProvider(initial: Record<string, string>): SecretProvider & { source: Record<string, string>; gets: number; invalidations: string[] } {
  const log = new MemoryLogger();
  let inner = createLocalSecretProvider({ secrets: { upstream: initial }, audit: log });
  const p = {
    source: initial,
    gets: 0,
    invalidations: [] as string[],
    get: (name: string) => {
      p.gets++;
      return inner.get(name);
    },
    invalidate: (name: string) => {
      p.invalidations.push(name);
      // Re-reading the source after an invalidation sees what the operator rotated in.
      inner = createLocalSecretProvider({ secrets: { upstream: p.source }, audit: log });
    },
    ready: () => inner.ready(),
    close: () => inner.close(),
  };
  return p;
}

const basic = z.object({ username: z.string().min(1), password: z.string().min(1) }).describe('username and password');

/** A fake upstream client: accepts only `accepted`, reads credentials lazily like the connectors do. */
function upstreamClient(credentials: () => Promise<{ username: string; password: string }>, accepted: () => string) {
  const client = {
    calls: 0,
    async listThings(n: number): Promise<string> {
      client.calls++;
      const { password } = await credentials();
      if (password !== accepted()) throw new PlatformError('ERR_UPSTREAM_AUTH', 'the upstream rejected the credential');
      return `things:${n}`;
    },
    async failsOtherwise(): Promise<never> {
      client.calls++;
      throw new PlatformError('ERR_UPSTREAM_UNAVAILABLE', 'down');
    },
    breakerState: () => 'closed' as const,
    async close() {},
  };
  return client;
}

describe('withUpstreamCredentials', () => {
  it('reads and parses the secret through the provider, passing method arguments and results through', async () => {
    const p = rotatingProvider({ username: 'svc', password: 'pw-1', extra: 'ignored' });
    const client = withUpstreamCredentials({ secrets: p, name: 'upstream', schema: basic }, (credentials) => upstreamClient(credentials, () => 'pw-1'));
    await expect(client.listThings(3)).resolves.toBe('things:3');
    expect(client.breakerState()).toBe('closed');
    expect(p.invalidations).toEqual([]);
  });

  it('rejected once (rotated credential): drops the cached secret, re-reads it and succeeds on the one retry', async () => {
    const p = rotatingProvider({ username: 'svc', password: 'old' });
    let upstreamPassword = 'old';
    const client = withUpstreamCredentials({ secrets: p, name: 'upstream', schema: basic }, (credentials) => upstreamClient(credentials, () => upstreamPassword));
    await client.listThings(1); // the server's cache now holds "old"
    // An operator rotates the password at the upstream and in the secret store.
    upstreamPassword = 'new';
    p.source = { username: 'svc', password: 'new' };
    await expect(client.listThings(2)).resolves.toBe('things:2');
    expect(p.invalidations).toEqual(['upstream']);
    expect(client.calls).toBe(3);
  });

  it('rejected twice: the second ERR_UPSTREAM_AUTH propagates after exactly one re-read, no loop', async () => {
    const p = rotatingProvider({ username: 'svc', password: 'wrong' });
    const client = withUpstreamCredentials({ secrets: p, name: 'upstream', schema: basic }, (credentials) => upstreamClient(credentials, () => 'right'));
    const err = await client.listThings(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ code: 'ERR_UPSTREAM_AUTH' });
    expect((err as Error).message).not.toContain('wrong');
    expect(client.calls).toBe(2);
    expect(p.invalidations).toEqual(['upstream']);
    expect(p.gets).toBe(2);
  });

  it('does not retry errors that are not credential rejections', async () => {
    const p = rotatingProvider({ username: 'svc', password: 'pw' });
    const client = withUpstreamCredentials({ secrets: p, name: 'upstream', schema: basic }, (credentials) => upstreamClient(credentials, () => 'pw'));
    await expect(client.failsOtherwise()).rejects.toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE' });
    expect(client.calls).toBe(1);
    expect(p.invalidations).toEqual([]);
  });

  it('a secret that does not fit the schema is a TypeError naming the secret and the keys, never a value', async () => {
    const p = rotatingProvider({ username: 'svc', passwd: 'hunter2-secret' });
    const client = withUpstreamCredentials({ secrets: p, name: 'upstream', schema: basic }, (credentials) => upstreamClient(credentials, () => 'x'));
    const err = await client.listThings(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('secret "upstream" must have username and password');
    expect(JSON.stringify(err)).not.toContain('hunter2-secret');
    expect(client.calls).toBe(1);
  });

  it('parses a secret value once while the provider serves the same cached value', async () => {
    const p = rotatingProvider({ username: 'svc', password: 'pw' });
    let parses = 0;
    const counting = basic.transform((c) => {
      parses++;
      return c;
    });
    const client = withUpstreamCredentials({ secrets: p, name: 'upstream', schema: counting }, (credentials) => upstreamClient(credentials, () => 'pw'));
    await client.listThings(1);
    await client.listThings(2);
    expect(p.gets).toBe(2);
    expect(parses).toBe(1);
  });
});
