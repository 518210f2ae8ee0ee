/**
 * Typed client for the GitHub REST API (github.com and GitHub Enterprise Server) on Octokit.
 *
 * @example
 * ```ts
 * import { createGitHubClient } from '@mcp-platform/connectors/github';
 * ```
 */
export { createGitHubClient, type CallOptions, type GitHubClient, type GitHubClientOptions, type GitHubRateLimitOptions, type RepoRef } from './client.ts';
export { UPSTREAM as GITHUB_UPSTREAM, githubMessage, rateLimitDelayMs, toUpstreamError } from './errors.ts';
export type {
  CodeSearchHit,
  CreatedBranch,
  DirectoryListing,
  FileCommit,
  FileContent,
  GitHubCredentials,
  Issue,
  IssueComment,
  Page,
  PullRequest,
  Repository,
  SearchPage,
} from './types.ts';
export { gitHubEnv, gitHubFromConfig, type GitHubClientConfig, type GitHubWiring } from './from-config.ts';
