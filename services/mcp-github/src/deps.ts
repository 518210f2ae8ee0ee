import type { GitHubClient } from '@mcp-platform/connectors/github';

/** What mcp-github's tools need: the GitHub client and the deployment's organization scope. */
export interface GitHubDeps {
  github: GitHubClient;
  /** Organizations this deployment serves, lower-cased; empty = any. */
  allowedOrgs: string[];
}
