import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { PullRequest, issueNumber, owner, repo, repoRef, toPullRequest } from '../schemas.ts';

export const getPullRequest = defineTool<GitHubDeps>()({
  name: 'get_pull_request',
  title: 'Get a pull request',
  description: 'Returns one GitHub pull request: branches, state, mergeability and the size of the change.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ owner, repo, pull_number: issueNumber.describe('Pull request number') }),
  output: z.object({ pull_request: PullRequest }),
  handler: async (args, { deps, signal }) => ({
    pull_request: toPullRequest(await deps.github.getPullRequest({ ...repoRef(args, deps), pullNumber: args.pull_number }, { signal })),
  }),
  render: ({ pull_request: p }) =>
    `${p.repository}#${p.number} [${p.draft ? 'draft, ' : ''}${p.merged ? 'merged' : p.state}] ${p.title}\n${p.head} → ${p.base}; mergeable: ${p.mergeable ?? 'unknown'}; ${p.changed_files ?? '?'} file(s), +${p.additions ?? '?'} -${p.deletions ?? '?'}\n${p.body ?? ''}`,
});
