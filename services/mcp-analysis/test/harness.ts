import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startSpineHarness, type SpineHarness } from '@mcp-platform/test-support';
import { startAnalysisServer } from '../src/app.ts';
import { DEV_SECRETS, loadConfig } from '../src/config.ts';

export type AnalysisHarness = SpineHarness<CatalystSimulator, Awaited<ReturnType<typeof startAnalysisServer>>>;

/** Fast Command Runner and Path Trace settings for tests (the simulator's tasks take 150 ms). */
export const TEST_ENV = {
  COMMAND_WAIT_MS: '3000',
  COMMAND_POLL_INTERVAL_MS: '50',
  PATH_TRACE_WAIT_MS: '3000',
  PATH_TRACE_POLL_INTERVAL_MS: '50',
  OUTPUT_MAX_BYTES: '16384',
  OUTPUT_TOTAL_MAX_BYTES: '40000',
};

/** The dev IdP, real OPA (with `policyDir`, default the repository's policies), the Catalyst Center simulator and mcp-analysis, wired together. */
export function startHarness(env: Record<string, string> = {}, policyDir?: string): Promise<AnalysisHarness> {
  return startSpineHarness({
    name: 'mcp-analysis',
    env: { ...TEST_ENV, ...env },
    ...(policyDir ? { policyDir } : {}),
    startSimulator: () => startCatalystCenterSimulator({ port: 0, ...DEV_SECRETS['catalyst-center'], taskDurationMs: 150 }),
    startServer: ({ env: e, sim, logStream }) => startAnalysisServer(loadConfig({ ...e, CATALYST_BASE_URL: sim.url }), { logStream }),
  });
}
