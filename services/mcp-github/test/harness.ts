import { startGitHubSimulator, type GitHubSimulator } from '@mcp-platform/sandboxes/github';
import { startSpineHarness, type SpineHarness } from '@mcp-platform/test-support';
import { startGitHubServer } from '../src/app.ts';
import { DEV_SECRETS, loadConfig } from '../src/config.ts';

export type GitHubHarness = SpineHarness<GitHubSimulator, Awaited<ReturnType<typeof startGitHubServer>>>;

/** The dev IdP, real OPA, the GitHub simulator and mcp-github (full spine), wired together. Write/search spacing is off. */
export function startHarness(env: Record<string, string> = {}): Promise<GitHubHarness> {
  return startSpineHarness({
    name: 'mcp-github',
    env: { GITHUB_RATE_LIMIT_MAX_WAIT_SECONDS: '2', ...env },
    startSimulator: () => startGitHubSimulator({ port: 0, token: DEV_SECRETS.github.token }),
    startServer: ({ env: e, sim, logStream }) =>
      startGitHubServer(loadConfig({ ...e, GITHUB_API_URL: sim.url }), { logStream, writeIntervalMs: 0, searchIntervalMs: 0 }),
  });
}
