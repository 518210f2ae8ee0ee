import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { PullRequest, branchName, limit, owner, repo, repoRef, toPullRequest, truncated } from '../schemas.ts';

export const listPullRequests = defineTool<GitHubDeps>()({
  name: 'list_pull_requests',
  title: 'List pull requests',
  description: 'Lists the pull requests of one GitHub repository, newest first, optionally by state, target branch (base) or source branch (head).',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    state: z.enum(['open', 'closed', 'all']).default('open').describe('Pull request state'),
    base: branchName.optional().describe('Only pull requests into this branch'),
    head: branchName.optional().describe('Only pull requests from this branch of the same repository'),
    limit: limit(30),
  }),
  output: z.object({ pull_requests: z.array(PullRequest), truncated }),
  handler: async (args, { deps, signal }) => {
    const page = await deps.github.listPullRequests({ ...repoRef(args, deps), state: args.state, ...(args.base ? { base: args.base } : {}), ...(args.head ? { head: args.head } : {}), limit: args.limit }, { signal });
    return { pull_requests: page.items.map(toPullRequest), truncated: page.truncated };
  },
  render: (out) =>
    out.pull_requests.length === 0 ? 'No pull requests.' : out.pull_requests.map((p) => `- #${p.number} [${p.draft ? 'draft, ' : ''}${p.state}] ${p.title} (${p.head} → ${p.base})`).join('\n'),
});
