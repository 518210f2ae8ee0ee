import { PassThrough } from 'node:stream';
import { startRedis, type RunningRedis } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { runWithRequestContext } from '../logging/context.ts';
import { createRedisConnection, type RedisConnection } from '../redis/index.ts';
import { CircuitOpenError, UpstreamUnavailableError } from './errors.ts';
import { createUpstreamPolicy } from './policy.ts';
import { createUpstreamReadCache, staleReadsOfCurrentRequest } from './read-cache.ts';

let redis: RunningRedis;
const logger = createLogger({ serviceName: 'read-cache-test', serviceVersion: '0', stream: new PassThrough() });
const opened: RedisConnection[] = [];
const replica = async () => {
  const connection = await createRedisConnection({ url: redis.url, logger });
  opened.push(connection);
  const policy = createUpstreamPolicy({
    name: 'catalyst-center',
    readCache: createUpstreamReadCache({ name: 'catalyst-center', keepForMs: 60_000, redis: connection.client, logger }),
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
  });
  const open = () => expect(policy.execute(() => Promise.reject(new UpstreamUnavailableError('catalyst-center')), { idempotent: true })).rejects.toThrow();
  return { connection, policy, open };
};

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.allSettled(opened.map((c) => c.close()));
  await redis?.stop();
});

describe('upstream read cache shared through Redis (real redis-server)', () => {
  it('a replica that never read the device answers it stale from what another replica read', async () => {
    const a = await replica();
    const b = await replica();
    await a.policy.execute(async () => ({ id: 'd1', hostname: 'core-1' }), { idempotent: true, cacheKey: '/device/d1' });
    await new Promise((r) => setTimeout(r, 50)); // the Redis write is in the background
    await b.open();
    const answer = await runWithRequestContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), requestId: 'r' }, async () => ({
      value: await b.policy.execute(async () => ({ never: true }), { idempotent: true, cacheKey: '/device/d1' }),
      stale: staleReadsOfCurrentRequest(),
    }));
    expect(answer.value).toEqual({ id: 'd1', hostname: 'core-1' });
    expect(answer.stale).toHaveLength(1);
    expect(answer.stale[0]?.ageMs).toBeGreaterThanOrEqual(0);
    expect(answer.stale[0]?.ageMs).toBeLessThan(30_000);
    const ttl = await a.connection.client.sendCommand(['PTTL', 'mcp:read:catalyst-center:/device/d1']);
    expect(Number(ttl)).toBeGreaterThan(50_000);
    a.policy.dispose();
    b.policy.dispose();
  });

  it('with Redis gone, reads still work and are cached in-process; an unknown read is refused as circuit open, never hangs', async () => {
    const c = await replica();
    await c.connection.close();
    expect(await c.policy.execute(async () => 'fresh', { idempotent: true, cacheKey: 'k' })).toBe('fresh');
    await c.open();
    expect(await c.policy.execute(async () => 'x', { idempotent: true, cacheKey: 'k' })).toBe('fresh');
    await expect(c.policy.execute(async () => 'x', { idempotent: true, cacheKey: 'unknown' })).rejects.toBeInstanceOf(CircuitOpenError);
    c.policy.dispose();
  });
});
