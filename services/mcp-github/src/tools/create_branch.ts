import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { branchName, owner, repo, branchLockKey, repoRef, repositoryResource } from '../schemas.ts';

export const createBranch = defineTool<GitHubDeps>()({
  name: 'create_branch',
  title: 'Create a branch',
  description:
    "Creates a new branch in a GitHub repository from the head of another branch (default: the repository's default branch). " +
    'Use it before commit_file: commits go to a branch, never to the default branch, and reach it through create_pull_request. ' +
    'Pass from_sha (the commit you looked at) to create the branch only if the source branch still points there. Safe to retry: ' +
    'a branch that already exists at the same commit is returned with created: false.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    branch: branchName.describe('Name of the new branch, e.g. "feature/branch-qos"'),
    from: branchName.optional().describe("Branch to start from; default: the repository's default branch"),
    from_sha: z
      .string()
      .regex(/^[0-9a-f]{40}$/i, 'a 40-character commit sha')
      .optional()
      .describe('Compare-and-set: create only if the source branch still points at this commit'),
  }),
  output: z.object({
    branch: z.string(),
    sha: z.string().describe('Commit the new branch points at'),
    from: z.string(),
    created: z.boolean().describe('false when the branch already existed at this commit (a retried call)'),
  }),
  // The policy compares the target branch with the repository's default branch.
  resolveResource: (args, { deps, signal }) => repositoryResource(args, deps, signal),
  // Decision binds to write: the branch stays locked from the default-branch check until the write.
  lockKeys: (args) => [branchLockKey(args)],
  handler: async (args, { deps, signal }) =>
    deps.github.createBranch(
      { ...repoRef(args, deps), branch: args.branch, ...(args.from ? { from: args.from } : {}), ...(args.from_sha ? { expectedSha: args.from_sha } : {}) },
      { signal },
    ),
  render: (out) => `${out.created ? 'Created' : 'Already existed:'} branch ${out.branch} from ${out.from} at ${out.sha.slice(0, 7)}.`,
});
