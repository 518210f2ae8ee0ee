import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { Issue, owner, repo, repoRef, toIssue } from '../schemas.ts';

export const createIssue = defineTool<GitHubDeps>()({
  name: 'create_issue',
  title: 'Create an issue',
  description: 'Opens a new issue in a GitHub repository (allowed organizations only) and returns it with its number.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    title: z.string().min(1).max(256).describe('Issue title'),
    body: z.string().max(65_536).optional().describe('Issue description (GitHub Markdown)'),
    labels: z.array(z.string().min(1).max(50)).max(10).default([]).describe('Labels to set'),
    assignees: z.array(z.string().min(1).max(39)).max(10).default([]).describe('GitHub users to assign'),
  }),
  output: z.object({ issue: Issue }),
  handler: async (args, { deps, signal, logger }) => {
    const issue = await deps.github.createIssue(
      { ...repoRef(args, deps), title: args.title, ...(args.body !== undefined ? { body: args.body } : {}), labels: args.labels, assignees: args.assignees },
      { signal },
    );
    logger.info('issue created', { event: { action: 'create-issue' }, labels: { repository: issue.repository, issue_number: issue.number } });
    return { issue: toIssue(issue) };
  },
  render: ({ issue: i }) => `Created ${i.repository}#${i.number}: ${i.title}\n${i.html_url}`,
});
