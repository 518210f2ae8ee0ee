import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startSpineHarness, type SpineHarness } from '@mcp-platform/test-support';
import { startNetworkServer } from '../src/app.ts';
import { DEV_SECRETS, loadConfig } from '../src/config.ts';

export type NetworkHarness = SpineHarness<CatalystSimulator, Awaited<ReturnType<typeof startNetworkServer>>>;

/** The dev IdP, real OPA, the Catalyst Center simulator and mcp-network (full spine), wired together. */
export function startHarness(
  env: Record<string, string> = {},
  simCredentials: { username: string; password: string } = DEV_SECRETS['catalyst-center'],
): Promise<NetworkHarness> {
  return startSpineHarness({
    name: 'mcp-network',
    // mcp-network exchanges callers' tokens for deploy-worker credentials.
    ownerClientId: 'mcp-network',
    env,
    startSimulator: () => startCatalystCenterSimulator({ port: 0, ...simCredentials, taskDurationMs: 150 }),
    startServer: ({ env: e, sim, logStream }) => startNetworkServer(loadConfig({ ...e, CATALYST_BASE_URL: sim.url }), { logStream }),
  });
}
