import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { Repository, checkOrg, limit, owner, toRepository, truncated } from '../schemas.ts';

export const listRepositories = defineTool<GitHubDeps>()({
  name: 'list_repositories',
  title: 'List repositories',
  description:
    "Lists the repositories of a GitHub organization, or, without org, every repository the platform's GitHub credential can reach. " +
    'Returns each repository with its default branch, visibility and language.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    org: owner.optional().describe('Organization, e.g. "acme-net"; omit for all repositories the platform can reach'),
    visibility: z.enum(['all', 'public', 'private']).default('all').describe('Only public or only private repositories'),
    limit: limit(50),
  }),
  output: z.object({ repositories: z.array(Repository), truncated }),
  handler: async (args, { deps, signal }) => {
    if (args.org !== undefined) checkOrg(args.org, deps);
    const page = await deps.github.listRepositories({ ...(args.org ? { org: args.org } : {}), type: args.visibility, limit: args.limit }, { signal });
    const repos = page.items.map(toRepository).filter((r) => deps.allowedOrgs.length === 0 || deps.allowedOrgs.includes(r.owner.toLowerCase()));
    return { repositories: repos, truncated: page.truncated };
  },
  render: (out) =>
    out.repositories.length === 0
      ? 'No repositories.'
      : [`${out.repositories.length} repositor${out.repositories.length === 1 ? 'y' : 'ies'}${out.truncated ? ' (more exist)' : ''}:`, ...out.repositories.map((r) => `- ${r.full_name} (${r.visibility}, default branch ${r.default_branch}${r.language ? `, ${r.language}` : ''})${r.description ? `: ${r.description}` : ''}`)].join('\n'),
});
