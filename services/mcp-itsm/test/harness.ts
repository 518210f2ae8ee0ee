import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { startSpineHarness, type SpineHarness } from '@mcp-platform/test-support';
import { startItsmServer } from '../src/app.ts';
import { DEV_SECRETS, loadConfig } from '../src/config.ts';

export type ItsmHarness = SpineHarness<ServiceNowSimulator, Awaited<ReturnType<typeof startItsmServer>>>;

/** The dev IdP, real OPA, the ServiceNow simulator and mcp-itsm (full spine), wired together. */
export function startHarness(
  env: Record<string, string> = {},
  simCredentials: { username: string; password: string } = DEV_SECRETS.servicenow,
): Promise<ItsmHarness> {
  return startSpineHarness({
    name: 'mcp-itsm',
    env,
    startSimulator: () => startServiceNowSimulator({ port: 0, ...simCredentials }),
    startServer: ({ env: e, sim, logStream }) => startItsmServer(loadConfig({ ...e, SERVICENOW_INSTANCE_URL: sim.url }), { logStream }),
  });
}
