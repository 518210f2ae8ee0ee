import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { Comment, issueNumber, owner, repo, repoRef, toComment } from '../schemas.ts';

export const addIssueComment = defineTool<GitHubDeps>()({
  name: 'add_issue_comment',
  title: 'Comment on an issue or pull request',
  description: 'Adds a comment to a GitHub issue or pull request (allowed organizations only).',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({ owner, repo, issue_number: issueNumber, body: z.string().min(1).max(65_536).describe('Comment text (GitHub Markdown)') }),
  output: z.object({ comment: Comment }),
  handler: async (args, { deps, signal }) => ({
    comment: toComment(await deps.github.createIssueComment({ ...repoRef(args, deps), issueNumber: args.issue_number, body: args.body }, { signal })),
  }),
  render: ({ comment }) => `Comment added: ${comment.html_url}`,
});
