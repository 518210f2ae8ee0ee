import type { Backend, BackendHealth, BackendPool } from '@mcp-platform/mcp-common/client';
import { createLogger } from '@mcp-platform/mcp-common/logging';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createHealthMonitor } from './health.ts';

const logger = createLogger({ serviceName: 'health-test', serviceVersion: 'test', level: 'error', stream: new Writable({ write: (_c, _e, done) => done() }) });

/** A pool of one backend whose next probe answers are scripted; `available` says whether another replica is still routable. */
function scripted(answers: Array<Pick<BackendHealth, 'status' | 'breaker'>>, available = () => false): BackendPool {
  const backend = {
    name: 'network',
    url: 'http://127.0.0.1:1/mcp',
    health: async () => ({ name: 'network', url: 'http://127.0.0.1:1/mcp', replicas: [], ...(answers.shift() ?? { status: 'up', breaker: 'closed' }) }),
    available,
  } as unknown as Backend; // only health() and available() are used by the monitor
  return { get: () => backend, list: () => [backend], close: async () => undefined };
}

describe('createHealthMonitor', () => {
  it('drops an up backend only after downAfter failed probes in a row, and takes it back on one good probe', async () => {
    const changes: boolean[] = [];
    const health = createHealthMonitor({
      pool: scripted([
        { status: 'up', breaker: 'closed' },
        { status: 'down', breaker: 'closed' },
        { status: 'up', breaker: 'closed' },
        { status: 'down', breaker: 'closed' },
        { status: 'down', breaker: 'closed' },
        { status: 'up', breaker: 'closed' },
      ]),
      intervalMs: 60_000,
      downAfter: 2,
      logger,
      onChange: (_b, up) => changes.push(up),
    });
    const seen: boolean[] = [];
    for (let i = 0; i < 6; i += 1) {
      await health.probe();
      seen.push(health.isUp('network'));
    }
    expect(seen).toEqual([true, true, true, true, false, true]);
    expect(changes).toEqual([false, true]);
  });

  it('a failed call drops it at once; an open breaker with /readyz answering keeps it in (the next call is the trial); down from the start is down', async () => {
    const health = createHealthMonitor({
      pool: scripted([{ status: 'down', breaker: 'closed' }, { status: 'up', breaker: 'closed' }, { status: 'up', breaker: 'open' }, { status: 'up', breaker: 'closed' }]),
      intervalMs: 60_000,
      downAfter: 3,
      logger,
      onChange: () => undefined,
    });
    await health.probe();
    expect(health.isUp('network')).toBe(false);
    await health.probe();
    expect(health.isUp('network')).toBe(true);
    await health.probe();
    expect(health.isUp('network')).toBe(true);
    await health.probe();
    expect(health.isUp('network')).toBe(true);
    health.reportFailure('network');
    expect(health.snapshot()).toEqual({ network: 'down' });
  });

  it('a failed call on one replica keeps the backend in while another replica is routable; the last one takes it out', async () => {
    let others = true;
    const health = createHealthMonitor({ pool: scripted([{ status: 'up', breaker: 'closed' }], () => others), intervalMs: 60_000, logger, onChange: () => undefined });
    await health.probe();
    health.reportFailure('network');
    expect(health.isUp('network')).toBe(true);
    others = false;
    health.reportFailure('network');
    expect(health.isUp('network')).toBe(false);
  });
});
