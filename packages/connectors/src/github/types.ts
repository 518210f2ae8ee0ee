import type { RestEndpointMethodTypes } from '@octokit/plugin-rest-endpoint-methods';

/**
 * Credentials for GitHub: a personal access token (classic or fine-grained), or a GitHub App
 * whose installation tokens the client mints and renews itself. Read per request (from the
 * secret provider's cache), never logged.
 *
 * @example
 * ```ts
 * const pat: GitHubCredentials = { token: 'github_pat_…' };
 * const app: GitHubCredentials = { appId: 12345, privateKey: '-----BEGIN RSA PRIVATE KEY-----…', installationId: 678 };
 * ```
 */
export type GitHubCredentials = { token: string } | { appId: string | number; privateKey: string; installationId: string | number };

/**
 * A list result capped by the caller: `truncated` says more items exist upstream.
 *
 * @example
 * ```ts
 * const { items, truncated } = await github.listRepositories({ org: 'acme-net', limit: 50 });
 * ```
 */
export interface Page<T> {
  items: T[];
  truncated: boolean;
}

/**
 * A search result: GitHub's `total_count` and `incomplete_results` besides the capped items.
 *
 * @example
 * ```ts
 * const hits = await github.searchCode({ query: 'ntp org:acme-net', limit: 20 });
 * hits.totalCount;
 * ```
 */
export interface SearchPage<T> extends Page<T> {
  totalCount: number;
  incomplete: boolean;
}

/**
 * A repository, reduced to what the platform uses.
 *
 * @example
 * ```ts
 * const { defaultBranch } = await github.getRepository({ owner: 'acme-net', repo: 'network-templates' });
 * ```
 */
export interface Repository {
  owner: string;
  name: string;
  /** `owner/name`. */
  fullName: string;
  description: string | null;
  private: boolean;
  visibility: string;
  defaultBranch: string;
  language: string | null;
  archived: boolean;
  topics: string[];
  htmlUrl: string;
  updatedAt: string | null;
}

/**
 * A file's content, decoded from base64 as UTF-8 text.
 *
 * @example
 * ```ts
 * const f = await github.getFile({ owner, repo, path: 'README.md' });
 * if (f.type === 'file') console.log(f.content);
 * ```
 */
export interface FileContent {
  type: 'file';
  path: string;
  name: string;
  /** Blob sha: pass it to `createOrUpdateFile` to update this version. */
  sha: string;
  size: number;
  /** The ref it was read at (branch, tag or commit sha), or `null` for the default branch. */
  ref: string | null;
  content: string;
  htmlUrl: string | null;
}

/**
 * A directory listing (what the contents API returns for a directory path).
 *
 * @example
 * ```ts
 * const d = await github.getFile({ owner, repo, path: 'templates' });
 * if (d.type === 'dir') d.entries.map((e) => e.path);
 * ```
 */
export interface DirectoryListing {
  type: 'dir';
  path: string;
  ref: string | null;
  entries: Array<{ name: string; path: string; type: 'file' | 'dir' | 'symlink' | 'submodule'; size: number }>;
}

/**
 * One code search hit.
 *
 * @example
 * ```ts
 * const paths = (await github.searchCode({ query: 'ntp repo:acme-net/network-templates' })).items.map((h) => h.path);
 * ```
 */
export interface CodeSearchHit {
  /** `owner/name`. */
  repository: string;
  path: string;
  name: string;
  sha: string;
  htmlUrl: string;
}

/**
 * An issue, or a pull request seen through the issues API (`isPullRequest`).
 *
 * @example
 * ```ts
 * const open = (await github.listIssues({ owner, repo, state: 'open' })).items.filter((i) => !i.isPullRequest);
 * ```
 */
export interface Issue {
  /** `owner/name`. */
  repository: string;
  number: number;
  title: string;
  body: string | null;
  state: string;
  labels: string[];
  author: string | null;
  assignees: string[];
  comments: number;
  isPullRequest: boolean;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/**
 * A comment on an issue or pull request.
 *
 * @example
 * ```ts
 * await github.createIssueComment({ owner, repo, issueNumber: 1, body: 'Fixed in #4' });
 * ```
 */
export interface IssueComment {
  id: number;
  body: string;
  author: string | null;
  htmlUrl: string;
  createdAt: string;
}

/**
 * A pull request. The detail fields (`mergeable`, `additions`…) are `null` in list results.
 *
 * @example
 * ```ts
 * const pr = await github.getPullRequest({ owner, repo, pullNumber: 4 });
 * ```
 */
export interface PullRequest {
  /** `owner/name`. */
  repository: string;
  number: number;
  title: string;
  body: string | null;
  state: string;
  draft: boolean;
  merged: boolean;
  /** Source branch. */
  head: string;
  headSha: string;
  /** Target branch. */
  base: string;
  author: string | null;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  mergeable: boolean | null;
  additions: number | null;
  deletions: number | null;
  changedFiles: number | null;
  commits: number | null;
}

/**
 * A branch created by `createBranch`.
 *
 * @example
 * ```ts
 * const { sha } = await github.createBranch({ owner, repo, branch: 'feature/qos' });
 * ```
 */
export interface CreatedBranch {
  branch: string;
  /** The commit the branch points at (the head of `from`). */
  sha: string;
  /** The branch it was created from. */
  from: string;
  /** False when the branch already existed at exactly this commit (a retried create): nothing was written. */
  created: boolean;
}

/**
 * The commit `createOrUpdateFile` made.
 *
 * @example
 * ```ts
 * const { commitSha, created } = await github.createOrUpdateFile({ owner, repo, branch, path, content, message });
 * ```
 */
export interface FileCommit {
  path: string;
  branch: string;
  /** True when the file did not exist on the branch before. */
  created: boolean;
  commitSha: string;
  commitUrl: string | null;
  /** New blob sha of the file. */
  blobSha: string;
}

type Rest = RestEndpointMethodTypes;
type RepoLike =
  | Rest['repos']['get']['response']['data']
  | Rest['repos']['listForOrg']['response']['data'][number]
  | Rest['repos']['listForAuthenticatedUser']['response']['data'][number];
type IssueLike = Rest['issues']['get']['response']['data'] | Rest['search']['issuesAndPullRequests']['response']['data']['items'][number];
type PullLike = Rest['pulls']['get']['response']['data'] | Rest['pulls']['list']['response']['data'][number];

/** `owner/name` out of an API URL such as `https://api.github.com/repos/acme/app`. */
export function repoFromApiUrl(url: string): string {
  const m = /\/repos\/([^/]+\/[^/]+)$/.exec(url);
  return m?.[1] ?? url;
}

export function toRepository(r: RepoLike): Repository {
  return {
    owner: r.owner.login,
    name: r.name,
    fullName: r.full_name,
    description: r.description ?? null,
    private: r.private,
    visibility: r.visibility ?? (r.private ? 'private' : 'public'),
    defaultBranch: r.default_branch ?? 'main',
    language: r.language ?? null,
    archived: r.archived ?? false,
    topics: r.topics ?? [],
    htmlUrl: r.html_url,
    updatedAt: r.updated_at ?? null,
  };
}

export function toIssue(i: IssueLike): Issue {
  return {
    repository: repoFromApiUrl(i.repository_url),
    number: i.number,
    title: i.title,
    body: i.body ?? null,
    state: i.state,
    labels: i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
    author: i.user?.login ?? null,
    assignees: (i.assignees ?? []).map((a) => a.login),
    comments: i.comments,
    isPullRequest: i.pull_request !== undefined,
    htmlUrl: i.html_url,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    closedAt: i.closed_at ?? null,
  };
}

export function toComment(c: Rest['issues']['getComment']['response']['data']): IssueComment {
  return { id: Number(c.id), body: c.body ?? '', author: c.user?.login ?? null, htmlUrl: c.html_url, createdAt: c.created_at };
}

export function toPullRequest(p: PullLike): PullRequest {
  const detail = 'mergeable' in p ? p : undefined;
  return {
    repository: p.base.repo.full_name,
    number: p.number,
    title: p.title,
    body: p.body ?? null,
    state: p.state,
    draft: p.draft ?? false,
    merged: detail ? detail.merged : p.merged_at !== null,
    head: p.head.ref,
    headSha: p.head.sha,
    base: p.base.ref,
    author: p.user?.login ?? null,
    htmlUrl: p.html_url,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
    mergeable: detail?.mergeable ?? null,
    additions: detail?.additions ?? null,
    deletions: detail?.deletions ?? null,
    changedFiles: detail?.changed_files ?? null,
    commits: detail?.commits ?? null,
  };
}
