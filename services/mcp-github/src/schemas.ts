import type { Issue as ApiIssue, IssueComment as ApiComment, PullRequest as ApiPull, Repository as ApiRepo, RepoRef } from '@mcp-platform/connectors/github';
import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { z } from 'zod';
import type { GitHubDeps } from './deps.ts';

// --- inputs

/** GitHub login rules: letters, digits and single hyphens, at most 39 characters. */
export const owner = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, 'not a GitHub organization or user name')
  .describe('Organization or user that owns the repository, e.g. "acme-net"');

export const repo = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'not a GitHub repository name')
  .refine((r) => r !== '.' && r !== '..', 'not a GitHub repository name')
  .describe('Repository name without the owner, e.g. "network-templates"');

/** A branch name as git accepts it (no `refs/` prefix, no `..`, spaces, `~^:?*[\\`, no leading `-`). */
export const branchName = z
  .string()
  .min(1)
  .max(200)
  .refine((b) => !b.startsWith('refs/') && !b.startsWith('-') && !b.startsWith('/') && !b.endsWith('/') && !b.endsWith('.lock') && !b.endsWith('.'), 'not a valid branch name')
  // eslint-disable-next-line no-control-regex
  .refine((b) => !/\.\.|\/\/|@\{|[\s~^:?*[\\\u0000-\u001f\u007f]/.test(b), 'not a valid branch name');

export const filePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), 'path must not contain . or .. segments')
  .transform((p) => p.replace(/^\/+|\/+$/g, ''));

export const limit = (dflt: number) => z.number().int().min(1).max(200).default(dflt).describe(`Most items to return (1-200, default ${dflt}); "truncated" says when more exist`);

export const issueNumber = z.number().int().min(1).describe('Issue or pull request number, e.g. 12');

/** The repository a tool targets, after the deployment's organization scope is checked. */
export function repoRef(args: { owner: string; repo: string }, deps: GitHubDeps): RepoRef {
  checkOrg(args.owner, deps);
  return { owner: args.owner, repo: args.repo };
}

/** Refuses organizations outside `GITHUB_ALLOWED_ORGS` (when set). */
export function checkOrg(org: string, deps: GitHubDeps): void {
  if (deps.allowedOrgs.length > 0 && !deps.allowedOrgs.includes(org.toLowerCase())) {
    throw new PlatformError('ERR_VALIDATION', `owner: this server serves only ${deps.allowedOrgs.join(', ')}`);
  }
}

// --- outputs

export const Repository = z.object({
  full_name: z.string().describe('owner/name'),
  owner: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  private: z.boolean(),
  visibility: z.string(),
  default_branch: z.string().describe('Changes reach it only through pull requests'),
  language: z.string().nullable(),
  archived: z.boolean(),
  topics: z.array(z.string()),
  html_url: z.string(),
  updated_at: z.string().nullable(),
});

export function toRepository(r: ApiRepo): z.infer<typeof Repository> {
  return {
    full_name: r.fullName,
    owner: r.owner,
    name: r.name,
    description: r.description,
    private: r.private,
    visibility: r.visibility,
    default_branch: r.defaultBranch,
    language: r.language,
    archived: r.archived,
    topics: r.topics,
    html_url: r.htmlUrl,
    updated_at: r.updatedAt,
  };
}

export const Issue = z.object({
  repository: z.string().describe('owner/name'),
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullable(),
  state: z.string().describe('open or closed'),
  labels: z.array(z.string()),
  author: z.string().nullable(),
  assignees: z.array(z.string()),
  comments: z.number().int(),
  is_pull_request: z.boolean().describe('GitHub lists pull requests among issues; use get_pull_request for their details'),
  html_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable(),
});

export function toIssue(i: ApiIssue): z.infer<typeof Issue> {
  return {
    repository: i.repository,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    labels: i.labels,
    author: i.author,
    assignees: i.assignees,
    comments: i.comments,
    is_pull_request: i.isPullRequest,
    html_url: i.htmlUrl,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
  };
}

export const Comment = z.object({ id: z.number().int(), body: z.string(), author: z.string().nullable(), html_url: z.string(), created_at: z.string() });

export function toComment(c: ApiComment): z.infer<typeof Comment> {
  return { id: c.id, body: c.body, author: c.author, html_url: c.htmlUrl, created_at: c.createdAt };
}

export const PullRequest = z.object({
  repository: z.string().describe('owner/name'),
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullable(),
  state: z.string().describe('open or closed'),
  draft: z.boolean(),
  merged: z.boolean(),
  head: z.string().describe('Source branch'),
  head_sha: z.string(),
  base: z.string().describe('Target branch'),
  author: z.string().nullable(),
  html_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  mergeable: z.boolean().nullable().describe('null in lists, or while GitHub is still computing it'),
  additions: z.number().int().nullable(),
  deletions: z.number().int().nullable(),
  changed_files: z.number().int().nullable(),
  commits: z.number().int().nullable(),
});

export function toPullRequest(p: ApiPull): z.infer<typeof PullRequest> {
  return {
    repository: p.repository,
    number: p.number,
    title: p.title,
    body: p.body,
    state: p.state,
    draft: p.draft,
    merged: p.merged,
    head: p.head,
    head_sha: p.headSha,
    base: p.base,
    author: p.author,
    html_url: p.htmlUrl,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    mergeable: p.mergeable,
    additions: p.additions,
    deletions: p.deletions,
    changed_files: p.changedFiles,
    commits: p.commits,
  };
}

export const truncated = z.boolean().describe('True when more items exist than were returned: narrow the query or raise limit');

/** What resolveResource hands the policy for branch writes: the repository's default branch. */
export async function repositoryResource(args: { owner: string; repo: string }, deps: GitHubDeps, signal: AbortSignal): Promise<Record<string, unknown>> {
  const r = await deps.github.getRepository(repoRef(args, deps), { signal });
  return { repository: { full_name: r.fullName, default_branch: r.defaultBranch, archived: r.archived, private: r.private } };
}

/** Lock key of a branch write (GitHub owner and repository names are case-insensitive). */
export function branchLockKey(args: { owner: string; repo: string; branch: string }): string {
  return `branch:${args.owner.toLowerCase()}/${args.repo.toLowerCase()}:${args.branch}`;
}
