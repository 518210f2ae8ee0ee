import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { carriesKey, createKeys, withMarker, withoutMarker } from '../idempotency.ts';
import { Issue, owner, repo, repoRef, toIssue } from '../schemas.ts';

export const createIssue = defineTool<GitHubDeps>()({
  name: 'create_issue',
  title: 'Create an issue',
  description:
    'Opens a new issue in a GitHub repository (allowed organizations only) and returns it with its number. ' +
    'Safe to retry: the same call repeated within 10 minutes returns the issue it opened (created: false) instead of opening a second one.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    title: z.string().min(1).max(256).describe('Issue title'),
    body: z.string().max(65_000).optional().describe('Issue description (GitHub Markdown)'),
    labels: z.array(z.string().min(1).max(50)).max(10).default([]).describe('Labels to set'),
    assignees: z.array(z.string().min(1).max(39)).max(10).default([]).describe('GitHub users to assign'),
  }),
  output: z.object({ issue: Issue, created: z.boolean().describe('false when an identical call within 10 minutes had already opened it') }),
  // Identical creates serialise on their key, so a concurrent retry finds the first.
  lockKeys: (args, { principal }) => [`create-issue:${createKeys(principal.id, 'create_issue', args).lockKey}`],
  handler: async (args, { deps, signal, logger, principal }) => {
    const keys = createKeys(principal.id, 'create_issue', args);
    const ref = repoRef(args, deps);
    const recent = await deps.github.listIssues({ ...ref, state: 'all', since: keys.since, limit: 100 }, { signal });
    const earlier = recent.items.find((i) => !i.isPullRequest && carriesKey(i.body, keys.matches));
    if (earlier !== undefined) {
      logger.info('issue exists for this call', { event: { action: 'create-issue' }, labels: { repository: earlier.repository, issue_number: earlier.number } });
      return { issue: toIssue({ ...earlier, body: withoutMarker(earlier.body) }), created: false };
    }
    const issue = await deps.github.createIssue({ ...ref, title: args.title, body: withMarker(args.body, keys.key), labels: args.labels, assignees: args.assignees }, { signal });
    logger.info('issue created', { event: { action: 'create-issue' }, labels: { repository: issue.repository, issue_number: issue.number } });
    return { issue: toIssue({ ...issue, body: withoutMarker(issue.body) }), created: true };
  },
  render: ({ issue: i, created }) => `${created ? 'Created' : 'Already opened by an earlier identical call'} ${i.repository}#${i.number}: ${i.title}\n${i.html_url}`,
});
