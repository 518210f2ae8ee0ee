import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { Issue, limit, owner, repo, repoRef, toIssue, truncated } from '../schemas.ts';

export const listIssues = defineTool<GitHubDeps>()({
  name: 'list_issues',
  title: 'List issues',
  description:
    'Lists the issues of one GitHub repository, newest first, optionally by state, labels or assignee. ' +
    'Like GitHub, the list includes pull requests (is_pull_request: true).',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    state: z.enum(['open', 'closed', 'all']).default('open').describe('Issue state'),
    labels: z.array(z.string().min(1).max(50)).max(10).default([]).describe('Only issues carrying all these labels'),
    assignee: z.string().min(1).max(39).optional().describe('Only issues assigned to this user'),
    limit: limit(30),
  }),
  output: z.object({ issues: z.array(Issue), truncated }),
  handler: async (args, { deps, signal }) => {
    const page = await deps.github.listIssues({ ...repoRef(args, deps), state: args.state, labels: args.labels, ...(args.assignee ? { assignee: args.assignee } : {}), limit: args.limit }, { signal });
    return { issues: page.items.map(toIssue), truncated: page.truncated };
  },
  render: (out) =>
    out.issues.length === 0 ? 'No issues.' : out.issues.map((i) => `- #${i.number} [${i.is_pull_request ? 'PR' : 'issue'}, ${i.state}] ${i.title}${i.labels.length ? ` (${i.labels.join(', ')})` : ''}`).join('\n'),
});
