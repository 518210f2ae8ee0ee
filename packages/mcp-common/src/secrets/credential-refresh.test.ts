import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { PlatformError } from '../errors/base.ts';
import { createLocalSecretProvider, isUpstreamAuthRejection, withCredentialRefresh, type SecretProvider } from './index.ts';

function countingProvider(): SecretProvider & { gets: number; invalidations: string[] } {
  const log = new MemoryLogger();
  const inner = createLocalSecretProvider({ secrets: { github: { token: 't' } }, audit: log });
  const p = {
    gets: 0,
    invalidations: [] as string[],
    get: (name: string) => {
      p.gets++;
      return inner.get(name);
    },
    invalidate: (name: string) => {
      p.invalidations.push(name);
      inner.invalidate(name);
    },
    ready: () => inner.ready(),
    close: () => inner.close(),
  };
  return p;
}

describe('withCredentialRefresh', () => {
  it('calls fn once when it succeeds', async () => {
    const p = countingProvider();
    await expect(withCredentialRefresh(p, 'github', async (s) => s['token'])).resolves.toBe('t');
    expect(p.gets).toBe(1);
    expect(p.invalidations).toEqual([]);
  });

  it('does not retry errors that are not credential rejections', async () => {
    const p = countingProvider();
    let calls = 0;
    const err = new PlatformError('ERR_UPSTREAM_UNAVAILABLE', 'down');
    await expect(
      withCredentialRefresh(p, 'github', async () => {
        calls++;
        throw err;
      }),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
    expect(p.invalidations).toEqual([]);
  });

  it('invalidates, refetches and retries exactly once on ERR_UPSTREAM_AUTH; a second rejection propagates', async () => {
    const p = countingProvider();
    let calls = 0;
    const second = new PlatformError('ERR_UPSTREAM_AUTH', 'still rejected');
    await expect(
      withCredentialRefresh(p, 'github', async () => {
        calls++;
        throw calls === 1 ? new PlatformError('ERR_UPSTREAM_AUTH', 'rejected') : second;
      }),
    ).rejects.toBe(second);
    expect(calls).toBe(2);
    expect(p.gets).toBe(2);
    expect(p.invalidations).toEqual(['github']);
  });

  it('accepts a custom rejection test', async () => {
    const p = countingProvider();
    let calls = 0;
    const result = await withCredentialRefresh(
      p,
      'github',
      async () => {
        if (++calls === 1) throw Object.assign(new Error('401'), { status: 401 });
        return 'ok';
      },
      (err) => (err as { status?: number }).status === 401,
    );
    expect(result).toBe('ok');
    expect(calls).toBe(2);
  });

  it('isUpstreamAuthRejection matches only ERR_UPSTREAM_AUTH platform errors', () => {
    expect(isUpstreamAuthRejection(new PlatformError('ERR_UPSTREAM_AUTH', 'x'))).toBe(true);
    expect(isUpstreamAuthRejection(new PlatformError('ERR_UPSTREAM_REJECTED', 'x'))).toBe(false);
    expect(isUpstreamAuthRejection(new Error('ERR_UPSTREAM_AUTH'))).toBe(false);
  });
});
