import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ResourceBusyError } from './errors.ts';
import { createMemoryResourceLock } from './memory-lock.ts';

describe('in-process resource lock', () => {
  it('serializes read-modify-write on one key: 50 concurrent increments lose none', async () => {
    const lock = createMemoryResourceLock();
    let value = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        lock.withLock(['counter'], async () => {
          const seen = value;
          await sleep(Math.random() * 3);
          value = seen + 1;
        }),
      ),
    );
    expect(value).toBe(50);
  });

  it('lets different keys run at the same time', async () => {
    const lock = createMemoryResourceLock();
    let inside = 0;
    let most = 0;
    await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        lock.withLock([k], async () => {
          most = Math.max(most, ++inside);
          await sleep(20);
          inside--;
        }),
      ),
    );
    expect(most).toBe(3);
  });

  it('takes several keys in sorted order, so opposite orders never deadlock', async () => {
    const lock = createMemoryResourceLock({ waitMs: 5_000 });
    const order: string[] = [];
    await Promise.all([
      lock.withLock(['x', 'y'], async () => {
        order.push('xy');
        await sleep(5);
      }),
      lock.withLock(['y', 'x', 'x'], async () => {
        order.push('yx');
        await sleep(5);
      }),
    ]);
    expect(order.sort()).toEqual(['xy', 'yx']);
  });

  it('gives up with ResourceBusyError after waitMs, releases on error, and never runs the waiter', async () => {
    const lock = createMemoryResourceLock({ waitMs: 30 });
    let release!: () => void;
    const holder = lock.withLock(['k'], () => new Promise<void>((r) => (release = r)));
    let ran = false;
    await expect(
      lock.withLock(['k'], async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(ResourceBusyError);
    expect(ran).toBe(false);
    release();
    await holder;
    await expect(lock.withLock(['k'], () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.withLock(['k'], async () => 'free again')).resolves.toBe('free again');
  });

  it('rejects misuse with a TypeError', async () => {
    const lock = createMemoryResourceLock();
    await expect(lock.withLock([], async () => 1)).rejects.toBeInstanceOf(TypeError);
    await expect(lock.withLock([''], async () => 1)).rejects.toBeInstanceOf(TypeError);
  });
});
