import { createWriteStream } from 'node:fs';
import { createCatalystCenterClient, type CatalystCenterClient, type NetworkDevice } from '@mcp-platform/connectors/catalyst-center';
import { bootstrapServer } from '@mcp-platform/mcp-common/server';
import { SERVICE, startNetworkServer } from '@mcp-platform/mcp-network';
import { SEED_IDS, startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { DEV_SECRETS, loadConfig } from '@mcp-platform/mcp-network/config';
import type { NetworkDeps } from '@mcp-platform/mcp-network/deps';
import { networkTools } from '@mcp-platform/mcp-network/tools';
import type { StartedTarget, TargetSpec } from './types.ts';

/** The device every spine request reads (`get_device`). */
export const BENCH_DEVICE_ID = SEED_IDS.devices.sjc01Core01;

/**
 * A `CatalystCenterClient` stand-in that answers `getDevice` from memory with a
 * record the real client read from the simulator once at start-up (so the tool
 * maps a genuine API payload). Every other method throws: the bench calls only
 * `get_device`.
 */
function inProcessCatalyst(device: NetworkDevice): CatalystCenterClient {
  const unused = (): never => {
    throw new Error('not used by the bench');
  };
  return {
    getDevice: async (id) => {
      if (id !== device.id) throw new Error(`bench stand-in knows only ${device.id}`);
      return device;
    },
    listDevices: unused,
    countDevices: unused,
    listSites: unused,
    listTemplates: unused,
    getTemplate: unused,
    deployTemplate: unused,
    getTask: unused,
    getDeploymentStatus: unused,
    waitForTask: unused,
    breakerState: () => 'closed',
    close: async () => {},
  };
}

/** Reads the benchmark's device once through the real client and simulator. */
async function fetchDevice(sim: CatalystSimulator): Promise<NetworkDevice> {
  const client = createCatalystCenterClient({ baseUrl: sim.url, credentials: async () => DEV_SECRETS['catalyst-center'] });
  try {
    return await client.getDevice(BENCH_DEVICE_ID);
  } finally {
    await client.close();
  }
}

/**
 * mcp-network on the full spine, configured with the service's own defaults
 * (decision cache, token cache, `LOG_LEVEL=info`) except for the policy engine
 * and the loopback addresses: JWT verification against the dev IdP, the
 * policy (in-process Wasm or the OPA server), ECS logging to `/dev/null`,
 * metrics. With `upstream: 'simulator'` it is `startNetworkServer` itself with
 * the Catalyst Center simulator in this process (`simulator-elsewhere`: the one at `catalystUrl`, in
 * another process); with `upstream: 'in-process'`
 * it is the same `bootstrapServer` call with an in-memory Catalyst client, to
 * separate the spine's own cost from the upstream HTTP hop.
 *
 * @example
 * ```ts
 * const t = await startSpineServer({ kind: 'spine', port, authz: 'wasm', upstream: 'in-process', issuer, opaUrl, limits: 'off' });
 * ```
 */
export async function startSpineServer(spec: Extract<TargetSpec, { kind: 'spine' }>): Promise<StartedTarget> {
  const sim = spec.upstream === 'simulator-elsewhere' ? undefined : await startCatalystCenterSimulator({ port: 0, ...DEV_SECRETS['catalyst-center'] });
  const catalystUrl = sim?.url ?? spec.catalystUrl;
  if (catalystUrl === undefined) throw new TypeError("catalystUrl is required with upstream 'simulator-elsewhere'");
  const config = loadConfig({
    PORT: String(spec.port),
    OIDC_ISSUER: spec.issuer,
    OPA_URL: spec.opaUrl,
    AUTHZ_MODE: spec.authz,
    CATALYST_BASE_URL: catalystUrl,
    ...(spec.upstreamCacheFreshMs !== undefined ? { UPSTREAM_CACHE_FRESH_MS: String(spec.upstreamCacheFreshMs) } : {}),
    ...(spec.limits === 'off' ? { RATE_LIMIT_PER_SECOND: '10000000', CONCURRENCY_PER_PRINCIPAL: '100000', MAX_IN_FLIGHT: '100000' } : {}),
  });
  const logStream = createWriteStream('/dev/null');
  let server: { publicUrl: string; close(): Promise<void> };
  if (spec.upstream !== 'in-process') {
    server = await startNetworkServer(config, { logStream });
  } else {
    // Started above for every upstream but 'simulator-elsewhere'.
    if (sim === undefined) throw new TypeError('the in-process upstream reads its device through a local simulator');
    const device = await fetchDevice(sim);
    await sim.stop();
    server = await bootstrapServer<NetworkDeps>({
      service: SERVICE,
      serverId: 'network',
      upstreamName: 'Catalyst Center',
      config,
      tools: networkTools,
      devSecrets: DEV_SECRETS,
      logStream,
      buildDeps: () => ({ catalyst: inProcessCatalyst(device), maxDevicesPerDeploy: config.DEPLOY_MAX_DEVICES, workerAudience: config.DEPLOY_WORKER_AUDIENCE }),
    });
  }
  return {
    url: server.publicUrl,
    async close() {
      await server.close();
      if (spec.upstream === 'simulator') await sim?.stop();
      logStream.end();
    },
  };
}
