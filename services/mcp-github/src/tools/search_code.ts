import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { limit, truncated } from '../schemas.ts';

export const searchCode = defineTool<GitHubDeps>()({
  name: 'search_code',
  title: 'Search code',
  description:
    'Searches file contents and paths on the default branches of GitHub repositories with GitHub code search syntax, ' +
    'e.g. "ntp_servers org:acme-net extension:j2" or "interface repo:acme-net/network-templates path:templates/access". Read a hit with get_file.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    query: z.string().min(1).max(256).describe('GitHub code search query: terms plus qualifiers such as org:, repo:, path:, extension:, filename:, language:'),
    limit: limit(30),
  }),
  output: z.object({
    total_count: z.number().int(),
    hits: z.array(z.object({ repository: z.string().describe('owner/name'), path: z.string(), sha: z.string(), html_url: z.string() })),
    truncated,
  }),
  handler: async (args, { deps, signal }) => {
    const page = await deps.github.searchCode({ query: args.query, limit: args.limit }, { signal });
    return { total_count: page.totalCount, hits: page.items.map((h) => ({ repository: h.repository, path: h.path, sha: h.sha, html_url: h.htmlUrl })), truncated: page.truncated };
  },
  render: (out) => (out.hits.length === 0 ? 'No matches.' : [`${out.total_count} match(es):`, ...out.hits.map((h) => `- ${h.repository}: ${h.path}`)].join('\n')),
});
