import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { branchName, filePath, owner, repo, branchLockKey, repoRef, repositoryResource } from '../schemas.ts';

export const commitFile = defineTool<GitHubDeps>()({
  name: 'commit_file',
  title: 'Commit a file to a branch',
  description:
    "Creates or replaces one text file on a branch (not the repository's default branch: create_branch first) with a single commit. " +
    'To update an existing file safely, pass the sha from get_file: the commit is refused if the file changed since.',
  action: 'write',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    branch: branchName.describe('Branch to commit to (not the default branch)'),
    path: filePath.describe('File path in the repository, e.g. "templates/branch/qos.j2"'),
    content: z.string().max(1_000_000).describe('The complete new file content (UTF-8 text)'),
    message: z.string().min(1).max(1000).describe('Commit message'),
    sha: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-character blob sha').optional().describe('Blob sha of the version being replaced (from get_file)'),
  }),
  // File content is the one field that may be large or whitespace only ("\n" is a real file).
  inputLimits: { maxStringChars: 1_000_000, whitespaceAllowed: ['content'] },
  output: z.object({
    path: z.string(),
    branch: z.string(),
    created: z.boolean().describe('True when the file is new on the branch'),
    commit_sha: z.string(),
    commit_url: z.string().nullable(),
    blob_sha: z.string(),
  }),
  // The policy refuses commits to the default branch: tell it which branch that is.
  resolveResource: (args, { deps, signal }) => repositoryResource(args, deps, signal),
  // Decision binds to write: the branch stays locked from the default-branch check until the write.
  lockKeys: (args) => [branchLockKey(args)],
  handler: async (args, { deps, signal, logger }) => {
    const c = await deps.github.createOrUpdateFile(
      { ...repoRef(args, deps), branch: args.branch, path: args.path, content: args.content, message: args.message, ...(args.sha ? { sha: args.sha } : {}) },
      { signal },
    );
    logger.info('file committed', { event: { action: 'commit-file' }, labels: { repository: `${args.owner}/${args.repo}`, branch: c.branch, commit_sha: c.commitSha } });
    return { path: c.path, branch: c.branch, created: c.created, commit_sha: c.commitSha, commit_url: c.commitUrl, blob_sha: c.blobSha };
  },
  render: (out) => `${out.created ? 'Created' : 'Updated'} ${out.path} on ${out.branch} in commit ${out.commit_sha.slice(0, 7)}.`,
});
