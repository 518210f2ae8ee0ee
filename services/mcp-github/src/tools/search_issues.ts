import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { Issue, limit, toIssue, truncated } from '../schemas.ts';

export const searchIssues = defineTool<GitHubDeps>()({
  name: 'search_issues',
  title: 'Search issues and pull requests',
  description:
    'Searches issues and pull requests across GitHub repositories with GitHub search syntax, ' +
    'e.g. "is:issue is:open label:bug org:acme-net" or "timeout repo:acme-apps/payments-api is:pr".',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    query: z.string().min(1).max(256).describe('GitHub issue search query: terms plus qualifiers such as repo:, org:, is:issue, is:pr, is:open, label:, author:, assignee:'),
    limit: limit(30),
  }),
  output: z.object({ total_count: z.number().int(), items: z.array(Issue), truncated }),
  handler: async (args, { deps, signal }) => {
    const page = await deps.github.searchIssues({ query: args.query, limit: args.limit }, { signal });
    return { total_count: page.totalCount, items: page.items.map(toIssue), truncated: page.truncated };
  },
  render: (out) =>
    out.items.length === 0 ? 'No matches.' : [`${out.total_count} match(es):`, ...out.items.map((i) => `- ${i.repository}#${i.number} [${i.is_pull_request ? 'PR' : 'issue'}, ${i.state}] ${i.title}`)].join('\n'),
});
