import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { Comment, Issue, issueNumber, owner, repo, repoRef, toComment, toIssue } from '../schemas.ts';

export const getIssue = defineTool<GitHubDeps>()({
  name: 'get_issue',
  title: 'Get an issue',
  description: 'Returns one GitHub issue with its body and its comments (up to comment_limit, oldest first).',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    issue_number: issueNumber,
    comment_limit: z.number().int().min(0).max(100).default(30).describe('Most comments to return (0 for none)'),
  }),
  output: z.object({ issue: Issue, comments: z.array(Comment), comments_truncated: z.boolean() }),
  handler: async (args, { deps, signal }) => {
    const ref = repoRef(args, deps);
    const issue = await deps.github.getIssue({ ...ref, issueNumber: args.issue_number }, { signal });
    if (args.comment_limit === 0) return { issue: toIssue(issue), comments: [], comments_truncated: issue.comments > 0 };
    const comments = await deps.github.listIssueComments({ ...ref, issueNumber: args.issue_number, limit: args.comment_limit }, { signal });
    return { issue: toIssue(issue), comments: comments.items.map(toComment), comments_truncated: comments.truncated };
  },
  render: ({ issue: i, comments }) =>
    [`${i.repository}#${i.number} [${i.state}] ${i.title}`, `by ${i.author ?? 'unknown'}; labels: ${i.labels.join(', ') || '(none)'}`, '', i.body ?? '(no description)', ...comments.map((c) => `\n--- ${c.author ?? 'unknown'} at ${c.created_at}\n${c.body}`)].join('\n'),
});
