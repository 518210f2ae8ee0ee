import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { GitHubDeps } from '../deps.ts';
import { filePath, owner, repo, repoRef } from '../schemas.ts';

export const getFile = defineTool<GitHubDeps>()({
  name: 'get_file',
  title: 'Read a file',
  description:
    'Reads one text file from a GitHub repository (decoded as UTF-8), at the default branch or at a given branch, tag or commit. ' +
    'For a directory path it lists the entries instead. Returns the blob sha, which commit_file can use to update the file.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    owner,
    repo,
    path: filePath.describe('File or directory path in the repository, e.g. "templates/core/ospf-area.j2"'),
    ref: z.string().min(1).max(255).optional().describe('Branch, tag or commit sha; default: the repository default branch'),
  }),
  output: z.object({
    type: z.enum(['file', 'dir']),
    path: z.string(),
    ref: z.string().nullable().describe('The ref read, or null for the default branch'),
    content: z.string().nullable().describe('File content (null for a directory)'),
    sha: z.string().nullable().describe('Blob sha of the file'),
    size: z.number().int().nullable(),
    html_url: z.string().nullable(),
    entries: z.array(z.object({ name: z.string(), path: z.string(), type: z.string(), size: z.number().int() })).describe('Directory entries (empty for a file)'),
  }),
  handler: async (args, { deps, signal }) => {
    const f = await deps.github.getFile({ ...repoRef(args, deps), path: args.path, ...(args.ref ? { ref: args.ref } : {}) }, { signal });
    if (f.type === 'dir') return { type: 'dir' as const, path: f.path, ref: f.ref, content: null, sha: null, size: null, html_url: null, entries: f.entries };
    return { type: 'file' as const, path: f.path, ref: f.ref, content: f.content, sha: f.sha, size: f.size, html_url: f.htmlUrl, entries: [] };
  },
  render: (out) =>
    out.type === 'dir'
      ? [`${out.path}/ (${out.entries.length} entries):`, ...out.entries.map((e) => `- ${e.name}${e.type === 'dir' ? '/' : ''}`)].join('\n')
      : `${out.path} (${out.size} bytes, sha ${out.sha})\n---\n${out.content}`,
});
