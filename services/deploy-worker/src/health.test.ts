import { MemoryLogger } from '@mcp-platform/test-support';
import { describe, expect, it } from 'vitest';
import { startHealthServer } from './health.ts';

describe('startHealthServer', () => {
  it('is live always, ready only while the worker runs, and serves metrics', async () => {
    let state = 'INITIALIZED';
    const health = await startHealthServer({ host: '127.0.0.1', port: 0, worker: { getState: () => state }, logger: new MemoryLogger() });
    try {
      expect((await fetch(`${health.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${health.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not-ready', checks: { worker: 'INITIALIZED' } });
      state = 'RUNNING';
      expect((await fetch(`${health.url}/readyz`)).status).toBe(200);
      state = 'DRAINING';
      expect((await fetch(`${health.url}/readyz`)).status).toBe(503);
      expect(await (await fetch(`${health.url}/metrics`)).text()).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`${health.url}/nope`)).status).toBe(404);
    } finally {
      await health.close();
    }
  });
});
