// The simulators' request logs are bounded: a simulator serving `pnpm start`, chaos or a bench for hours keeps
// its newest `requestLogLimit` requests in `state.requests`, in arrival order, instead of every one it answered.
import { afterEach, describe, expect, it } from 'vitest';
import { startCatalystCenterSimulator } from './catalyst-center/index.ts';
import { startGitHubSimulator } from './github/index.ts';
import { DEFAULT_REQUEST_LOG_LIMIT } from './internal/request-log.ts';
import { startServiceNowSimulator } from './servicenow/index.ts';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** Five requests the simulator answers (401 without credentials: each one is logged), paths numbered. */
async function fiveRequests(url: string, path: (i: number) => string): Promise<void> {
  for (let i = 1; i <= 5; i++) await (await fetch(`${url}${path(i)}`)).arrayBuffer();
}

describe('simulator request logs', () => {
  it('Catalyst Center keeps the newest requestLogLimit requests, oldest dropped first', async () => {
    const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'pw', requestLogLimit: 3 });
    stops.push(() => sim.stop());
    await fiveRequests(sim.url, (i) => `/dna/intent/api/v1/network-device/${String(i)}`);
    expect(sim.state.requests.map((r) => r.path)).toEqual([3, 4, 5].map((i) => `/dna/intent/api/v1/network-device/${String(i)}`));
  });

  it('ServiceNow keeps the newest requestLogLimit requests', async () => {
    const sim = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'pw', requestLogLimit: 2 });
    stops.push(() => sim.stop());
    await fiveRequests(sim.url, (i) => `/api/now/table/incident/${String(i)}`);
    expect(sim.state.requests.map((r) => r.path)).toEqual(['/api/now/table/incident/4', '/api/now/table/incident/5']);
  });

  it('GitHub keeps the newest requestLogLimit requests', async () => {
    const sim = await startGitHubSimulator({ port: 0, token: 'tok', requestLogLimit: 4 });
    stops.push(() => sim.stop());
    await fiveRequests(sim.url, (i) => `/repos/acme/r${String(i)}`);
    expect(sim.state.requests.map((r) => r.path)).toEqual([2, 3, 4, 5].map((i) => `/repos/acme/r${String(i)}`));
  });

  it('defaults to 10,000 and refuses a limit that is not a positive integer', async () => {
    expect(DEFAULT_REQUEST_LOG_LIMIT).toBe(10_000);
    await expect(startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'pw', requestLogLimit: 0 })).rejects.toThrow(/requestLogLimit/);
    await expect(startServiceNowSimulator({ port: 0, username: 'admin', password: 'pw', requestLogLimit: 1.5 })).rejects.toThrow(TypeError);
    await expect(startGitHubSimulator({ port: 0, token: 'tok', requestLogLimit: -1 })).rejects.toThrow(TypeError);
  });
});
