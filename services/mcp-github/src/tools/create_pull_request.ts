import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { PullRequest, branchName, owner, repo, repoRef, toPullRequest } from '../schemas.ts';

export const createPullRequest = defineTool<GitHubDeps>()({
  name: 'create_pull_request',
  title: 'Open a pull request',
  description:
    "Opens a pull request from a branch (head) into another branch (base, default: the repository's default branch) of the same repository. " +
    'Safe to retry: when an open pull request from head into base already exists, it is returned (created: false).',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    title: z.string().min(1).max(256).describe('Pull request title'),
    head: branchName.describe('Branch with the changes'),
    base: branchName.optional().describe("Branch to merge into; default: the repository's default branch"),
    body: z.string().max(65_536).optional().describe('Description (GitHub Markdown); "Closes #12" links an issue'),
    draft: z.boolean().default(false).describe('Open as a draft'),
  }),
  output: z.object({ pull_request: PullRequest, created: z.boolean().describe('false when an open pull request from head into base already existed (returned instead)') }),
  // Idempotent: concurrent identical opens serialise on head → base, so the second finds the first.
  lockKeys: (args) => [`pull:${args.owner}/${args.repo}:${args.head}->${args.base ?? ''}`.toLowerCase()],
  handler: async (args, { deps, signal, logger }) => {
    const pr = await deps.github.createPullRequest(
      { ...repoRef(args, deps), title: args.title, head: args.head, ...(args.base ? { base: args.base } : {}), ...(args.body !== undefined ? { body: args.body } : {}), draft: args.draft },
      { signal },
    );
    logger.info('pull request opened', { event: { action: 'create-pull-request' }, labels: { repository: pr.repository, pull_number: pr.number } });
    return { pull_request: toPullRequest(pr), created: pr.created };
  },
  render: ({ pull_request: p, created }) => `${created ? 'Opened' : 'Already open'} ${p.repository}#${p.number}: ${p.title} (${p.head} → ${p.base})\n${p.html_url}`,
});
