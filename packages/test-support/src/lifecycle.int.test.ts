// A fixture that fails to start halfway must not leave what it already started running: an orphan
// `opa run` or a listening dev IdP outlives the test file otherwise (vitest's afterAll never gets the harness).
import { describe, expect, it } from 'vitest';
import { runningResources, startAll } from './lifecycle.ts';
import { serviceProcess } from './service-process.ts';
import { freePort } from './opa.ts';
import { startSpineHarness } from './spine-harness.ts';

describe('start-up failing halfway leaves nothing running', () => {
  it('startSpineHarness: the IdP and OPA are stopped when the simulator or the server fails to start', async () => {
    const before = await runningResources();
    let opaPids: number[] = [];
    await expect(
      startSpineHarness({
        name: 'broken-sim',
        startSimulator: async () => {
          // The IdP listens and OPA runs by now: both must be stopped by the harness.
          opaPids = (await runningResources()).childPids.filter((pid) => !before.childPids.includes(pid));
          throw new Error('simulator failed to start');
        },
        startServer: () => Promise.reject(new Error('unreachable')),
      }),
    ).rejects.toThrow('simulator failed to start');
    expect(opaPids).toHaveLength(1);
    expect(await runningResources()).toEqual(before);

    const stopped: string[] = [];
    await expect(
      startSpineHarness({
        name: 'broken-server',
        startSimulator: async () => ({ stop: async () => void stopped.push('sim') }),
        startServer: () => Promise.reject(new Error('server failed to start')),
      }),
    ).rejects.toThrow('server failed to start');
    expect(stopped).toEqual(['sim']);
    expect(await runningResources()).toEqual(before);
  }, 120_000);

  it('serviceProcess: a process that never becomes ready is stopped before start() rejects', async () => {
    const before = await runningResources();
    // A real service that runs but never answers the (nonexistent) ready path.
    const proc = serviceProcess('mcp-network', await freePort(), { OIDC_ISSUER: 'http://127.0.0.1:9/', OPA_URL: 'http://127.0.0.1:9', CATALYST_BASE_URL: 'http://127.0.0.1:9' }, { readyPath: '/not-a-ready-path', startTimeoutMs: 8_000 });
    await expect(proc.start()).rejects.toThrow(/did not become ready/);
    expect(await runningResources()).toEqual(before);
  }, 60_000);
});

describe('startAll', () => {
  it('stops the starts that succeeded, once every start settled, and rejects with the first failure', async () => {
    const events: string[] = [];
    const slow = new Promise<{ stop(): Promise<void> }>((resolve) => setTimeout(() => resolve({ stop: async () => void events.push('slow stopped') }), 50));
    const closing = Promise.resolve({ close: async () => void events.push('closed') });
    await expect(startAll([slow, Promise.reject(new Error('first')), closing, Promise.resolve('/tmp/bundle.js'), Promise.reject(new Error('second'))])).rejects.toThrow('first');
    expect(events.sort()).toEqual(['closed', 'slow stopped']);
  });

  it('answers like Promise.all when every start succeeds, stopping nothing', async () => {
    const stop = async () => {
      throw new Error('must not be stopped');
    };
    const [a, b] = await startAll([Promise.resolve({ stop }), Promise.resolve(2)]);
    expect(b).toBe(2);
    expect(typeof a.stop).toBe('function');
  });
});
