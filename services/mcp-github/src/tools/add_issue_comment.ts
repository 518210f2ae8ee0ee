import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { carriesKey, createKeys, withMarker, withoutMarker } from '../idempotency.ts';
import { Comment, issueNumber, owner, repo, repoRef, toComment } from '../schemas.ts';

export const addIssueComment = defineTool<GitHubDeps>()({
  name: 'add_issue_comment',
  title: 'Comment on an issue or pull request',
  description:
    'Adds a comment to a GitHub issue or pull request (allowed organizations only). ' +
    'Safe to retry: the same call repeated within 10 minutes returns the comment it added (created: false) instead of adding a second one.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ owner, repo, issue_number: issueNumber, body: z.string().min(1).max(65_000).describe('Comment text (GitHub Markdown)') }),
  output: z.object({ comment: Comment, created: z.boolean().describe('false when an identical call within 10 minutes had already added it') }),
  lockKeys: (args, { principal }) => [`add-comment:${createKeys(principal.id, 'add_issue_comment', args).lockKey}`],
  handler: async (args, { deps, signal, principal }) => {
    const keys = createKeys(principal.id, 'add_issue_comment', args);
    const ref = { ...repoRef(args, deps), issueNumber: args.issue_number };
    const recent = await deps.github.listIssueComments({ ...ref, since: keys.since, limit: 100 }, { signal });
    const earlier = recent.items.find((c) => carriesKey(c.body, keys.matches));
    if (earlier !== undefined) return { comment: toComment({ ...earlier, body: withoutMarker(earlier.body) }), created: false };
    const comment = await deps.github.createIssueComment({ ...ref, body: withMarker(args.body, keys.key) }, { signal });
    return { comment: toComment({ ...comment, body: withoutMarker(comment.body) }), created: true };
  },
  render: ({ comment, created }) => `${created ? 'Comment added' : 'Already added by an earlier identical call'}: ${comment.html_url}`,
});
