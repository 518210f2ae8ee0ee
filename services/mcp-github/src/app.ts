import { gitHubFromConfig } from '@mcp-platform/connectors/github';
import { bootstrapServer, type BootstrappedServer } from '@mcp-platform/mcp-common/server';
import { DEV_SECRETS, type GitHubConfig } from './config.ts';
import type { GitHubDeps } from './deps.ts';
import { githubTools } from './tools/index.ts';

export const SERVICE = { name: 'mcp-github', version: '0.1.0' } as const;

/** Options for tests and embedders. */
export interface StartGitHubServerOptions {
  /** Where ECS lines go. Default stdout. */
  logStream?: NodeJS.WritableStream;
  /** Least time between two writes / two searches to GitHub, in ms (tests set 0). Default GitHub's guidance (1000 / 2000). */
  writeIntervalMs?: number;
  searchIntervalMs?: number;
}

/**
 * Starts mcp-github on the spine: GitHub client with credentials from the secret provider
 * (refetched once when GitHub rejects them), the GitHub tools, and everything the spine adds.
 *
 * @example
 * ```ts
 * const server = await startGitHubServer(loadConfig(process.env));
 * ```
 */
export function startGitHubServer(config: GitHubConfig, options: StartGitHubServerOptions = {}): Promise<BootstrappedServer<GitHubDeps>> {
  return bootstrapServer<GitHubDeps>({
    service: SERVICE,
    serverId: 'github',
    upstreamName: 'GitHub',
    config,
    tools: githubTools,
    devSecrets: DEV_SECRETS,
    instructions:
      'Source control on GitHub: repositories, files, code and issue search, issues and comments, pull requests. ' +
      'To change a file: create_branch from the default branch, commit_file on that branch, then create_pull_request. ' +
      "Commits to a repository's default branch are refused by policy.",
    ...(options.logStream ? { logStream: options.logStream } : {}),
    buildDeps: ({ secrets, logger, metrics, readCache }) => {
      const github = gitHubFromConfig(config, {
        secrets,
        logger,
        userAgent: `${SERVICE.name}/${SERVICE.version}`,
        observer: metrics.upstream,
        readCache: readCache('github'),
        pacing: {
          ...(options.writeIntervalMs !== undefined ? { writeIntervalMs: options.writeIntervalMs } : {}),
          ...(options.searchIntervalMs !== undefined ? { searchIntervalMs: options.searchIntervalMs } : {}),
        },
      });
      return { github, allowedOrgs: config.GITHUB_ALLOWED_ORGS.map((o) => o.toLowerCase()) };
    },
    // Degraded mode: while GitHub's breaker is open, reads answer stale from the cache, writes are refused, /readyz says degraded.
    upstream: (deps) => ({ name: 'github', breakerState: () => deps.github.breakerState() }),
    closeDeps: (deps) => deps.github.close(),
  });
}
