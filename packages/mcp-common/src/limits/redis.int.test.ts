import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger, startRedis, type RunningRedis } from '@mcp-platform/test-support';
import { createRedisConnection, type RedisConnection } from '../redis/index.ts';
import { createRateLimiter } from './rate-limiter.ts';

// Two "replicas" (two connections, two limiters) against one real redis-server.
let redis: RunningRedis;
const connections: RedisConnection[] = [];
const logger = new MemoryLogger();

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.stop();
});

async function replica(prefix: string) {
  const conn = await createRedisConnection({ url: redis.url, logger, maxReconnectDelayMs: 200 });
  connections.push(conn);
  return { conn, limiter: createRateLimiter({ policy: { name: 't', ratePerSecond: 1, burst: 4, burstWindowSeconds: 60 }, keyPrefix: prefix, redis: conn.client, logger }) };
}

describe('rate limits shared through Redis', () => {
  it('one principal\'s bucket is shared by every replica', async () => {
    const a = await replica('shared');
    const b = await replica('shared');
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await a.limiter.consume('alice'));
    // 1 steady + 4 burst: replica a spent everything (a second tick may refill one).
    expect(results.filter((r) => r.allowed).length).toBeGreaterThanOrEqual(5);
    const onB = [];
    for (let i = 0; i < 3; i++) onB.push(await b.limiter.consume('alice'));
    expect(onB.filter((r) => !r.allowed).length).toBeGreaterThanOrEqual(2);
    expect((await b.limiter.consume('bob')).allowed).toBe(true);
    expect(await a.conn.ready()).toBe(true);
  });

  it('refuses to start on an unreachable REDIS_URL, naming it', async () => {
    await expect(createRedisConnection({ url: 'redis://127.0.0.1:1', logger, connectTimeoutMs: 500 })).rejects.toThrow(/REDIS_URL/);
    await expect(createRedisConnection({ url: 'http://127.0.0.1:1', logger })).rejects.toThrow(TypeError);
  });

  it('keeps limiting per replica (not open, not closed) while Redis is down, without hanging', async () => {
    const own = await startRedis();
    const conn = await createRedisConnection({ url: own.url, logger, maxReconnectDelayMs: 200 });
    connections.push(conn);
    const limiter = createRateLimiter({ policy: { name: 't', ratePerSecond: 1, burst: 2, burstWindowSeconds: 60 }, keyPrefix: 'outage', redis: conn.client, logger });
    await own.stop();
    for (let i = 0; i < 100 && conn.client.isReady; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await conn.ready()).toBe(false);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await limiter.consume('carol'));
    const allowed = results.filter((r) => r.allowed).length;
    expect(allowed).toBeGreaterThanOrEqual(3);
    expect(allowed).toBeLessThan(6);
  });
});
