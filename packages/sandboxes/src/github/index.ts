/**
 * GitHub REST API simulator with seeded organizations, repositories, issues and pull requests.
 * Response bodies are typed against `@octokit/openapi-types`.
 *
 * @example
 * ```ts
 * import { startGitHubSimulator } from '@mcp-platform/sandboxes/github';
 * const sim = await startGitHubSimulator({ port: 0, token: 'dev-only-github-token' });
 * ```
 */
export {
  startGitHubSimulator,
  type FailNextOptions,
  type GitHubRequestRecord,
  type GitHubSimLogger,
  type GitHubSimulator,
  type GitHubSimulatorOptions,
  type GitHubSimulatorState,
  type SimCommit,
  type SimGit,
} from './simulator.ts';
export { defaultGitHubSeed, type GitHubSeed, type SimAccount, type SimComment, type SimIssue, type SimPull, type SimRepo, type SimTree } from './seed.ts';
