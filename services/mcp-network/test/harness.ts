import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startSpineHarness, type SpineHarness } from '@mcp-platform/test-support';
import { startNetworkServer } from '../src/app.ts';
import { DEV_SECRETS, loadConfig } from '../src/config.ts';

export type NetworkHarness = SpineHarness<CatalystSimulator, Awaited<ReturnType<typeof startNetworkServer>>>;

/**
 * The dev IdP, real OPA, the Catalyst Center simulator and mcp-network (full spine), wired together.
 * `taskDurationMs`: how long the simulator's deployments run (default 150).
 */
export function startHarness(
  env: Record<string, string> = {},
  simCredentials: { username: string; password: string } = DEV_SECRETS['catalyst-center'],
  taskDurationMs = 150,
): Promise<NetworkHarness> {
  return startSpineHarness({
    name: 'mcp-network',
    // mcp-network exchanges callers' tokens for deploy-worker credentials.
    ownerClientId: 'mcp-network',
    env,
    startSimulator: () => startCatalystCenterSimulator({ port: 0, ...simCredentials, taskDurationMs }),
    startServer: ({ env: e, sim, logStream }) => startNetworkServer(loadConfig({ ...e, CATALYST_BASE_URL: sim.url }), { logStream }),
  });
}
