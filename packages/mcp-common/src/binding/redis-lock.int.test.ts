import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, type RunningRedis } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createRedisConnection, type RedisConnection } from '../redis/index.ts';
import { LockUnavailableError, ResourceBusyError } from './errors.ts';
import { createRedisResourceLock } from './redis-lock.ts';
import type { ResourceLock } from './types.ts';
import { PassThrough } from 'node:stream';

let redis: RunningRedis;
const logger = createLogger({ serviceName: 'lock-test', serviceVersion: '0', stream: new PassThrough() });
const opened: RedisConnection[] = [];
const connect = async (url = redis.url) => {
  const connection = await createRedisConnection({ url, logger });
  opened.push(connection);
  return connection;
};
const replica = async (opts: { waitMs?: number; ttlMs?: number } = {}): Promise<ResourceLock> => createRedisResourceLock({ ...opts, redis: await connect() });

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.allSettled(opened.map((l) => l.close()));
  await redis?.stop();
});

describe('Redis resource lock (real redis-server)', () => {
  it('excludes holders across two replicas: 40 concurrent read-modify-writes of a shared value lose none', async () => {
    const [a, b] = [await replica({ waitMs: 20_000 }), await replica({ waitMs: 20_000 })];
    let value = 0;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).withLock(['itsm:incident:1'], async () => {
          const seen = value;
          await sleep(Math.random() * 3);
          value = seen + 1;
        }),
      ),
    );
    expect(value).toBe(40);
    expect(await a.ready()).toBe(true);
  });

  it('answers ResourceBusyError after waitMs while another replica holds the key, and frees it after release', async () => {
    const [a, b] = [await replica(), await replica({ waitMs: 100 })];
    let release!: () => void;
    let aInside!: () => void;
    const inside = new Promise<void>((r) => (aInside = r));
    const holding = a.withLock(['k2'], () => {
      aInside();
      return new Promise<void>((r) => (release = r));
    });
    await inside;
    await expect(b.withLock(['k2'], async () => 'never')).rejects.toBeInstanceOf(ResourceBusyError);
    release();
    await holding;
    await expect(b.withLock(['k2'], async () => 'ok')).resolves.toBe('ok');
  });

  it('frees the lock of a holder that outlives its TTL, and that holder\'s late release cannot free the next holder', async () => {
    const a = await replica({ ttlMs: 150 });
    const b = await replica({ waitMs: 10_000 });
    let bEntered!: () => void;
    const entered = new Promise<void>((r) => (bEntered = r));
    let aDone!: () => void;
    const aReleased = new Promise<void>((r) => (aDone = r));
    // a holds until b got in (which only the TTL allows), then releases while b still holds.
    let aInside!: () => void;
    const inside = new Promise<void>((r) => (aInside = r));
    const slow = a
      .withLock(['k3'], () => {
        aInside();
        return entered;
      })
      .then(aDone);
    await inside;
    await b.withLock(['k3'], async () => {
      bEntered();
      await aReleased; // a's compare-and-delete ran now
      const raw = await connect();
      expect(await raw.client.get('mcp:lock:k3')).not.toBeNull();
    });
    await slow;
  });

  it('fails closed with LockUnavailableError when Redis is gone, without running the write', async () => {
    const other = await startRedis();
    const lock = createRedisResourceLock({ redis: await connect(other.url) });
    await other.stop();
    let ran = false;
    await expect(
      lock.withLock(['k4'], async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(LockUnavailableError);
    expect(ran).toBe(false);
    expect(await lock.ready()).toBe(false);
  });
});
