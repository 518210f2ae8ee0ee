import { createHash, timingSafeEqual } from 'node:crypto';
import type { components } from '@octokit/openapi-types';
import express, { type NextFunction, type Request, type Response } from 'express';
import { defaultGitHubSeed, type GitHubSeed, type SimAccount, type SimComment, type SimIssue, type SimPull, type SimRepo, type SimTree } from './seed.ts';
import { silentLogger, type SandboxLogger } from '../internal/logger.ts';
import { listenApp } from '../internal/http.ts';
import { appendRequest, requestLogLimit } from '../internal/request-log.ts';

type Schemas = components['schemas'];

/** Structured logger the simulator writes to (structurally a subset of mcp-common's `Logger`). */
export type GitHubSimLogger = SandboxLogger;

/**
 * Options of {@link startGitHubSimulator}.
 *
 * @example
 * ```ts
 * await startGitHubSimulator({ port: 0, token: 'ghp_test' });
 * ```
 */
export interface GitHubSimulatorOptions {
  /** TCP port; `0` picks a free one. Default 9403. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** The personal access token accepted as `Authorization: Bearer|token <pat>`. Never logged. */
  token: string;
  /** Content to serve. Default {@link defaultGitHubSeed}(). */
  seed?: GitHubSeed;
  /** Primary rate limit per hour (`x-ratelimit-limit`). Default 5000. */
  rateLimit?: number;
  /** How many of the newest requests `state.requests` keeps (the oldest are dropped). Default 10000. */
  requestLogLimit?: number;
  logger?: GitHubSimLogger;
}

/** A commit the simulator holds (seeded or created through the contents API). */
export interface SimCommit {
  sha: string;
  message: string;
  parent: string | null;
  tree: SimTree;
  author: string;
  date: string;
}

/** Git data of one repository. */
export interface SimGit {
  /** Branch → head commit sha. */
  refs: Map<string, string>;
  commits: Map<string, SimCommit>;
}

/** A request the simulator answered (method, path, status — never headers or bodies). */
export interface GitHubRequestRecord {
  method: string;
  path: string;
  status: number;
}

/**
 * Live, mutable state of a running simulator. Everything created through the API lands here.
 *
 * @example
 * ```ts
 * expect(sim.state.git.get('acme-net/network-templates')!.refs.get('main')).toBe(mainShaBefore);
 * ```
 */
export interface GitHubSimulatorState {
  accounts: SimAccount[];
  viewer: string;
  repos: SimRepo[];
  /** Git data by `owner/name`. */
  git: Map<string, SimGit>;
  issues: SimIssue[];
  comments: SimComment[];
  pulls: SimPull[];
  /** The requests answered, in order: the newest `requestLogLimit` (default 10000). */
  requests: GitHubRequestRecord[];
}

/**
 * Options of {@link GitHubSimulator.failNext}.
 *
 * @example
 * ```ts
 * sim.failNext(1, 403, { rateLimitReset: Math.floor(Date.now() / 1000) + 3600 }); // primary limit, long wait
 * sim.failNext(1, 403, { retryAfterSeconds: 1 }); // secondary limit
 * ```
 */
export interface FailNextOptions {
  /** Secondary rate limit: sends `retry-after` and GitHub's "secondary rate limit" message. */
  retryAfterSeconds?: number;
  /** Primary rate limit: `x-ratelimit-remaining: 0` and this `x-ratelimit-reset` (epoch seconds). */
  rateLimitReset?: number;
}

/**
 * What {@link startGitHubSimulator} returns.
 *
 * @example
 * ```ts
 * sim.failNext(2, 502); sim.setToken('rotated'); await sim.stop();
 * ```
 */
export interface GitHubSimulator {
  /** Base URL, e.g. `http://127.0.0.1:9403` (use as the REST API base URL). */
  url: string;
  state: GitHubSimulatorState;
  /**
   * Answers the next `n` API requests with `status`. 403/429 with `rateLimitReset` is a primary
   * rate limit, with `retryAfterSeconds` a secondary one; other statuses answer GitHub's error body.
   */
  failNext(n: number, status: number, options?: FailNextOptions): void;
  /** Changes the accepted token (requests with the old one get 401). */
  setToken(token: string): void;
  stop(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const API_VERSION = '2022-11-28';

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
/** Git's blob id: sha1("blob <len>\0<content>"). */
const blobSha = (content: string): string => sha1(`blob ${Buffer.byteLength(content)}\0${content}`);
const nodeId = (kind: string, id: number | string): string => Buffer.from(`${kind}:${id}`).toString('base64url');

function sendError(res: Response, status: number, message: string, docs = DOCS, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ message, documentation_url: docs, status: String(status), ...extra });
}

/** `Validation Failed` (422) with GitHub's `errors` array. */
function validationFailed(res: Response, errors: Array<Record<string, unknown>>, docs = DOCS): void {
  sendError(res, 422, 'Validation Failed', docs, { errors });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `per_page` (default 30, at most 100) and `page` (default 1), as GitHub reads them. */
function pageParams(req: Request): { perPage: number; page: number } {
  const perPage = Math.min(100, Math.max(1, Number.parseInt(str(req.query['per_page']) ?? '30', 10) || 30));
  const page = Math.max(1, Number.parseInt(str(req.query['page']) ?? '1', 10) || 1);
  return { perPage, page };
}

/** Slices `items` to the requested page and sets GitHub's `Link` header (`next`, `last`, `first`, `prev`). */
function paginate<T>(req: Request, res: Response, items: T[]): T[] {
  const { perPage, page } = pageParams(req);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const base = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`);
  const link = (p: number, rel: string): string => {
    const u = new URL(base);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  if (links.length > 0) res.set('Link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

/** GitHub wraps base64 content at 60 characters a line. */
function base64Lines(content: string): string {
  const b64 = Buffer.from(content, 'utf8').toString('base64');
  return `${b64.match(/.{1,60}/g)?.join('\n') ?? ''}\n`;
}

/** Files larger than this are served without content (`encoding: "none"`), as GitHub does above 1 MB. */
const CONTENT_INLINE_LIMIT = 1024 * 1024;

/**
 * Starts a GitHub REST API simulator on loopback for exactly the endpoints the platform's
 * connector uses. Every response body is typed against GitHub's own OpenAPI description
 * (`@octokit/openapi-types`), errors carry GitHub's `{message, documentation_url}` body, lists
 * page with `per_page`/`page` and a `Link` header, and every answer carries `x-ratelimit-*`.
 *
 * @example
 * ```ts
 * const sim = await startGitHubSimulator({ port: 0, token: 'dev-only-github-token' });
 * const res = await fetch(`${sim.url}/orgs/acme-net/repos`, { headers: { authorization: 'Bearer dev-only-github-token' } });
 * await sim.stop();
 * ```
 */
export async function startGitHubSimulator(options: GitHubSimulatorOptions): Promise<GitHubSimulator> {
  const { port = 9403, host = '127.0.0.1', rateLimit = 5000, logger = silentLogger } = options;
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('startGitHubSimulator: token is required');
  const logLimit = requestLogLimit(options.requestLogLimit, 'startGitHubSimulator');
  let token = options.token;
  const seed = options.seed ? structuredClone(options.seed) : defaultGitHubSeed();
  const state: GitHubSimulatorState = {
    accounts: seed.accounts,
    viewer: seed.viewer,
    repos: seed.repos,
    git: new Map(),
    issues: seed.issues,
    comments: seed.comments,
    pulls: seed.pulls,
    requests: [],
  };
  for (const repo of state.repos) {
    const git: SimGit = { refs: new Map(), commits: new Map() };
    for (const [branch, tree] of Object.entries(repo.branches)) {
      const sha = sha1(`seed:${repo.owner}/${repo.name}:${branch}:${JSON.stringify(tree)}`);
      git.commits.set(sha, { sha, message: `Initial content of ${branch}`, parent: null, tree, author: seed.viewer, date: repo.createdAt });
      git.refs.set(branch, sha);
    }
    state.git.set(`${repo.owner}/${repo.name}`.toLowerCase(), git);
  }
  let injected: { remaining: number; status: number } & FailNextOptions = { remaining: 0, status: 503 };
  const windowResetAt = () => Math.floor(Date.now() / 1000 / 3600) * 3600 + 3600;
  let used = 0;
  let usedWindow = windowResetAt();
  let nextId = 8_000_000;
  let origin = '';

  const account = (login: string): SimAccount =>
    state.accounts.find((a) => a.login.toLowerCase() === login.toLowerCase()) ?? { login, id: 9_299_999, type: 'User' };

  const simpleUser = (login: string): Schemas['simple-user'] => {
    const a = account(login);
    const u = `${origin}/users/${a.login}`;
    return {
      login: a.login,
      id: a.id,
      node_id: nodeId(a.type, a.id),
      avatar_url: `${origin}/avatars/${a.login}`,
      gravatar_id: '',
      url: u,
      html_url: `${origin}/${a.login}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type: a.type,
      site_admin: false,
    };
  };

  const gitOf = (repo: SimRepo): SimGit => {
    const git = state.git.get(`${repo.owner}/${repo.name}`.toLowerCase());
    if (!git) throw new Error(`no git data for ${repo.owner}/${repo.name}`);
    return git;
  };
  const headTree = (repo: SimRepo, branch: string): SimTree | undefined => {
    const git = gitOf(repo);
    const sha = git.refs.get(branch);
    return sha === undefined ? undefined : git.commits.get(sha)?.tree;
  };

  const repository = (r: SimRepo): Schemas['repository'] => {
    const full = `${r.owner}/${r.name}`;
    const api = `${origin}/repos/${full}`;
    const openIssues = state.issues.filter((i) => i.repo === full && i.state === 'open').length + state.pulls.filter((p) => p.repo === full && p.state === 'open').length;
    const size = Object.values(headTree(r, r.defaultBranch) ?? {}).reduce((n, c) => n + Buffer.byteLength(c), 0);
    return {
      id: r.id,
      node_id: nodeId('Repository', r.id),
      name: r.name,
      full_name: full,
      license: null,
      forks: 0,
      owner: simpleUser(r.owner),
      private: r.private,
      html_url: `${origin}/${full}`,
      description: r.description,
      fork: false,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`,
      deployments_url: `${api}/deployments`,
      downloads_url: `${api}/downloads`,
      events_url: `${api}/events`,
      forks_url: `${api}/forks`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_url: `git://${new URL(origin).host}/${full}.git`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      languages_url: `${api}/languages`,
      merges_url: `${api}/merges`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      ssh_url: `git@${new URL(origin).host}:${full}.git`,
      stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`,
      teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`,
      clone_url: `${origin}/${full}.git`,
      mirror_url: null,
      hooks_url: `${api}/hooks`,
      svn_url: `${origin}/${full}`,
      homepage: null,
      language: r.language,
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      size: Math.ceil(size / 1024),
      default_branch: r.defaultBranch,
      open_issues_count: openIssues,
      topics: r.topics,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      archived: r.archived,
      disabled: false,
      visibility: r.private ? 'private' : 'public',
      pushed_at: r.createdAt,
      created_at: r.createdAt,
      updated_at: r.createdAt,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      open_issues: openIssues,
      watchers: 0,
    };
  };

  /** What list endpoints return (`minimal-repository`): no license object. */
  const minimalRepository = (r: SimRepo): Schemas['minimal-repository'] => ({ ...repository(r), license: null });

  const fullRepository = (r: SimRepo): Schemas['full-repository'] => {
    const base = repository(r);
    return {
      ...base,
      pushed_at: r.createdAt,
      created_at: r.createdAt,
      updated_at: r.createdAt,
      has_discussions: false,
      subscribers_count: 0,
      network_count: 0,
      license: null,
      organization: account(r.owner).type === 'Organization' ? simpleUser(r.owner) : null,
    };
  };

  const labelsOf = (full: string, names: string[]): Schemas['label'][] =>
    names.map((name) => {
      const id = Number.parseInt(sha1(`${full}:${name}`).slice(0, 8), 16);
      return { id, node_id: nodeId('Label', id), url: `${origin}/repos/${full}/labels/${encodeURIComponent(name)}`, name, description: null, color: 'ededed', default: false };
    });

  const issueId = (full: string, n: number): number => Number.parseInt(sha1(`issue:${full}:${n}`).slice(0, 8), 16);

  const issueJson = (i: SimIssue | SimPull): Schemas['issue'] => {
    const api = `${origin}/repos/${i.repo}/issues/${i.number}`;
    const isPull = 'head' in i;
    const id = issueId(i.repo, i.number);
    return {
      id,
      node_id: nodeId(isPull ? 'PullRequest' : 'Issue', id),
      url: api,
      repository_url: `${origin}/repos/${i.repo}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: `${origin}/${i.repo}/${isPull ? 'pull' : 'issues'}/${i.number}`,
      number: i.number,
      state: i.state,
      title: i.title,
      body: i.body,
      user: simpleUser(i.user),
      labels: isPull ? [] : labelsOf(i.repo, i.labels),
      assignee: !isPull && i.assignees[0] ? simpleUser(i.assignees[0]) : null,
      assignees: isPull ? [] : i.assignees.map(simpleUser),
      milestone: null,
      locked: false,
      comments: state.comments.filter((c) => c.repo === i.repo && c.issueNumber === i.number).length,
      closed_at: isPull ? null : i.closedAt,
      created_at: i.createdAt,
      updated_at: i.createdAt,
      author_association: 'MEMBER',
      ...(isPull
        ? {
            pull_request: {
              url: `${origin}/repos/${i.repo}/pulls/${i.number}`,
              html_url: `${origin}/${i.repo}/pull/${i.number}`,
              diff_url: `${origin}/${i.repo}/pull/${i.number}.diff`,
              patch_url: `${origin}/${i.repo}/pull/${i.number}.patch`,
              merged_at: null,
            },
            draft: i.draft,
          }
        : {}),
    };
  };

  const commentJson = (c: SimComment): Schemas['issue-comment'] => ({
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${origin}/repos/${c.repo}/issues/comments/${c.id}`,
    html_url: `${origin}/${c.repo}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    body: c.body,
    user: simpleUser(c.user),
    created_at: c.createdAt,
    updated_at: c.createdAt,
    issue_url: `${origin}/repos/${c.repo}/issues/${c.issueNumber}`,
    author_association: 'MEMBER',
  });

  const pullJson = (p: SimPull, repo: SimRepo): Schemas['pull-request'] => {
    const api = `${origin}/repos/${p.repo}/pulls/${p.number}`;
    const git = gitOf(repo);
    const id = issueId(p.repo, p.number);
    const headSha = git.refs.get(p.head) ?? '0'.repeat(40);
    const baseSha = git.refs.get(p.base) ?? '0'.repeat(40);
    const headTree = git.commits.get(headSha)?.tree ?? {};
    const baseTree = git.commits.get(baseSha)?.tree ?? {};
    const changed = new Set([...Object.keys(headTree), ...Object.keys(baseTree)].filter((f) => headTree[f] !== baseTree[f]));
    const repoJson = repository(repo);
    const ref = (branch: string, sha: string) => ({ label: `${repo.owner}:${branch}`, ref: branch, repo: repoJson, sha, user: simpleUser(repo.owner) });
    return {
      url: api,
      id,
      node_id: nodeId('PullRequest', id),
      html_url: `${origin}/${p.repo}/pull/${p.number}`,
      diff_url: `${origin}/${p.repo}/pull/${p.number}.diff`,
      patch_url: `${origin}/${p.repo}/pull/${p.number}.patch`,
      issue_url: `${origin}/repos/${p.repo}/issues/${p.number}`,
      commits_url: `${api}/commits`,
      review_comments_url: `${api}/comments`,
      review_comment_url: `${origin}/repos/${p.repo}/pulls/comments{/number}`,
      comments_url: `${origin}/repos/${p.repo}/issues/${p.number}/comments`,
      statuses_url: `${origin}/repos/${p.repo}/statuses/${headSha}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: simpleUser(p.user),
      body: p.body,
      labels: [],
      milestone: null,
      created_at: p.createdAt,
      updated_at: p.createdAt,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: ref(p.head, headSha),
      base: ref(p.base, baseSha),
      _links: {
        comments: { href: `${origin}/repos/${p.repo}/issues/${p.number}/comments` },
        commits: { href: `${api}/commits` },
        statuses: { href: `${origin}/repos/${p.repo}/statuses/${headSha}` },
        html: { href: `${origin}/${p.repo}/pull/${p.number}` },
        issue: { href: `${origin}/repos/${p.repo}/issues/${p.number}` },
        review_comments: { href: `${api}/comments` },
        review_comment: { href: `${origin}/repos/${p.repo}/pulls/comments{/number}` },
        self: { href: api },
      },
      author_association: 'MEMBER',
      auto_merge: null,
      draft: p.draft,
      merged: p.merged,
      mergeable: true,
      mergeable_state: 'clean',
      merged_by: null,
      comments: state.comments.filter((c) => c.repo === p.repo && c.issueNumber === p.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: changed.size,
      deletions: 0,
      changed_files: changed.size,
    };
  };

  const pullSimpleJson = (p: SimPull, repo: SimRepo): Schemas['pull-request-simple'] => {
    const full = pullJson(p, repo);
    return {
      url: full.url,
      id: full.id,
      node_id: full.node_id,
      html_url: full.html_url,
      diff_url: full.diff_url,
      patch_url: full.patch_url,
      issue_url: full.issue_url,
      commits_url: full.commits_url,
      review_comments_url: full.review_comments_url,
      review_comment_url: full.review_comment_url,
      comments_url: full.comments_url,
      statuses_url: full.statuses_url,
      number: full.number,
      state: full.state,
      locked: full.locked,
      title: full.title,
      user: full.user,
      body: full.body,
      labels: full.labels.map((l) => ({ ...l, description: l.description ?? '' })),
      milestone: full.milestone,
      created_at: full.created_at,
      updated_at: full.updated_at,
      closed_at: full.closed_at,
      merged_at: full.merged_at,
      merge_commit_sha: full.merge_commit_sha,
      assignee: full.assignee,
      assignees: full.assignees ?? [],
      head: full.head,
      base: full.base,
      _links: full._links,
      author_association: full.author_association,
      auto_merge: full.auto_merge,
      draft: p.draft,
    };
  };

  const contentFile = (repo: SimRepo, path: string, content: string, ref: string): Schemas['content-file'] => {
    const full = `${repo.owner}/${repo.name}`;
    const sha = blobSha(content);
    const size = Buffer.byteLength(content);
    const self = `${origin}/repos/${full}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const html = `${origin}/${full}/blob/${ref}/${path}`;
    const gitUrl = `${origin}/repos/${full}/git/blobs/${sha}`;
    const inline = size <= CONTENT_INLINE_LIMIT;
    return {
      type: 'file',
      encoding: inline ? 'base64' : 'none',
      size,
      name: path.split('/').at(-1) ?? path,
      path,
      content: inline ? base64Lines(content) : '',
      sha,
      url: self,
      git_url: gitUrl,
      html_url: html,
      download_url: `${origin}/raw/${full}/${ref}/${path}`,
      _links: { self, git: gitUrl, html },
    };
  };

  const gitRef = (repo: SimRepo, branch: string, sha: string): Schemas['git-ref'] => {
    const full = `${repo.owner}/${repo.name}`;
    return {
      ref: `refs/heads/${branch}`,
      node_id: nodeId('Ref', `${full}:${branch}`),
      url: `${origin}/repos/${full}/git/refs/heads/${branch}`,
      object: { type: 'commit', sha, url: `${origin}/repos/${full}/git/commits/${sha}` },
    };
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Not part of GitHub's API: a liveness path for `pnpm start` (no auth, no rate limit).
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Request log (method, path, status only — never headers or bodies).
  app.use((req, res, next) => {
    const path = req.originalUrl.split('?')[0] ?? '/';
    res.on('finish', () => {
      appendRequest(state.requests, { method: req.method, path, status: res.statusCode }, logLimit);
      logger.info('github-sim request', { http: { request: { method: req.method }, response: { status_code: res.statusCode } }, url: { path } });
    });
    next();
  });

  app.use(express.json({ limit: '10mb' }));

  // Guard: fault injection, token check, rate-limit headers.
  app.use((req, res, next) => {
    res.set('x-github-api-version-selected', API_VERSION);
    res.set('x-github-request-id', `SIM:${(nextId++).toString(16).toUpperCase()}`);
    if (injected.remaining > 0) {
      injected.remaining--;
      const { status, retryAfterSeconds, rateLimitReset } = injected;
      if ((status === 403 || status === 429) && rateLimitReset !== undefined) {
        res.set({ 'x-ratelimit-limit': String(rateLimit), 'x-ratelimit-remaining': '0', 'x-ratelimit-used': String(rateLimit), 'x-ratelimit-reset': String(rateLimitReset), 'x-ratelimit-resource': 'core' });
        sendError(res, status, 'API rate limit exceeded for user ID 9200001. If you reach out to GitHub Support for help, please include the request ID.', `${DOCS}/overview/rate-limits-for-the-rest-api`);
        return;
      }
      if ((status === 403 || status === 429) && retryAfterSeconds !== undefined) {
        res.set('retry-after', String(retryAfterSeconds));
        sendError(res, status, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`);
        return;
      }
      sendError(res, status, status >= 500 ? 'Server Error' : 'Injected failure');
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
    if (!match?.[1] || !safeEqual(match[1], token)) {
      logger.warn('github-sim request rejected: bad credentials', { event: { action: 'authenticate', outcome: 'failure' } });
      sendError(res, 401, 'Bad credentials', DOCS);
      return;
    }
    if (usedWindow !== windowResetAt()) {
      usedWindow = windowResetAt();
      used = 0;
    }
    used++;
    res.set({
      'x-ratelimit-limit': String(rateLimit),
      'x-ratelimit-remaining': String(Math.max(0, rateLimit - used)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(usedWindow),
      'x-ratelimit-resource': req.path.startsWith('/search/') ? 'search' : 'core',
    });
    next();
  });

  const findRepo = (req: Request, res: Response): SimRepo | undefined => {
    const owner = String(req.params['owner']);
    const name = String(req.params['repo']);
    const repo = state.repos.find((r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase());
    if (!repo) sendError(res, 404, 'Not Found', `${DOCS}/repos/repos#get-a-repository`);
    return repo;
  };
  const fullName = (r: SimRepo) => `${r.owner}/${r.name}`;
  const wildcard = (value: unknown): string => (Array.isArray(value) ? value.join('/') : String(value ?? ''));

  // --- repositories

  app.get('/orgs/:org/repos', (req, res) => {
    const org = state.accounts.find((a) => a.type === 'Organization' && a.login.toLowerCase() === String(req.params['org']).toLowerCase());
    if (!org) return sendError(res, 404, 'Not Found', `${DOCS}/repos/repos#list-organization-repositories`);
    const type = str(req.query['type']) ?? 'all';
    const repos = state.repos
      .filter((r) => r.owner === org.login)
      .filter((r) => (type === 'public' ? !r.private : type === 'private' ? r.private : true))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
    const page: Schemas['minimal-repository'][] = paginate(req, res, repos).map(minimalRepository);
    res.json(page);
  });

  app.get('/user/repos', (req, res) => {
    const repos = [...state.repos].sort((a, b) => fullName(a).localeCompare(fullName(b)));
    const page: Schemas['repository'][] = paginate(req, res, repos).map(repository);
    res.json(page);
  });

  app.get('/repos/:owner/:repo', (req, res) => {
    const repo = findRepo(req, res);
    if (repo) res.json(fullRepository(repo));
  });

  // --- contents

  app.get('/repos/:owner/:repo/contents/*path', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const path = wildcard(req.params['path']).replace(/^\/+|\/+$/g, '');
    const ref = str(req.query['ref']) ?? repo.defaultBranch;
    const tree = headTree(repo, ref) ?? gitOf(repo).commits.get(ref)?.tree;
    if (!tree) return sendError(res, 404, `No commit found for the ref ${ref}`, `${DOCS}/repos/contents#get-repository-content`);
    const content = tree[path];
    if (content !== undefined) {
      res.json(contentFile(repo, path, content, ref));
      return;
    }
    const prefix = `${path}/`;
    const children = new Map<string, 'file' | 'dir'>();
    for (const p of Object.keys(tree)) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      children.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'file' : 'dir');
    }
    if (children.size === 0) return sendError(res, 404, 'Not Found', `${DOCS}/repos/contents#get-repository-content`);
    const entries: Schemas['content-directory'] = [...children].sort().map(([name, type]) => {
      const p = `${path}/${name}`;
      const body = type === 'file' ? (tree[p] ?? '') : '';
      const sha = type === 'file' ? blobSha(body) : sha1(`tree:${p}`);
      const self = `${origin}/repos/${fullName(repo)}/contents/${p}?ref=${encodeURIComponent(ref)}`;
      const html = `${origin}/${fullName(repo)}/${type === 'file' ? 'blob' : 'tree'}/${ref}/${p}`;
      const gitUrl = `${origin}/repos/${fullName(repo)}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
      return { type, size: Buffer.byteLength(body), name, path: p, sha, url: self, git_url: gitUrl, html_url: html, download_url: type === 'file' ? `${origin}/raw/${fullName(repo)}/${ref}/${p}` : null, _links: { self, git: gitUrl, html } };
    });
    res.json(entries);
  });

  app.put('/repos/:owner/:repo/contents/*path', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const docs = `${DOCS}/repos/contents#create-or-update-file-contents`;
    const path = wildcard(req.params['path']).replace(/^\/+|\/+$/g, '');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const message = str(body['message']);
    const content = str(body['content']);
    if (message === undefined) return sendError(res, 422, 'Invalid request.\n\n"message" wasn\'t supplied.', docs);
    if (content === undefined) return sendError(res, 422, 'Invalid request.\n\n"content" wasn\'t supplied.', docs);
    if (!/^[A-Za-z0-9+/=\s]*$/.test(content)) return sendError(res, 422, 'content is not valid Base64', docs);
    const branch = str(body['branch']) ?? repo.defaultBranch;
    const git = gitOf(repo);
    const parentSha = git.refs.get(branch);
    const parent = parentSha === undefined ? undefined : git.commits.get(parentSha);
    if (!parent || parentSha === undefined) return sendError(res, 404, `Branch ${branch} not found`, docs);
    const existing = parent.tree[path];
    const givenSha = str(body['sha']);
    if (existing !== undefined && givenSha === undefined) return sendError(res, 422, 'Invalid request.\n\n"sha" wasn\'t supplied.', docs);
    if (existing !== undefined && givenSha !== blobSha(existing)) return sendError(res, 409, `${path} does not match ${givenSha}`, docs);
    const text = Buffer.from(content, 'base64').toString('utf8');
    const tree = { ...parent.tree, [path]: text };
    const date = new Date().toISOString();
    const sha = sha1(`commit:${parentSha}:${path}:${blobSha(text)}:${message}:${date}:${nextId++}`);
    git.commits.set(sha, { sha, message, parent: parentSha, tree, author: state.viewer, date });
    git.refs.set(branch, sha);
    const file = contentFile(repo, path, text, branch);
    const out: Schemas['file-commit'] = {
      content: { name: file.name, path, sha: file.sha, size: file.size, url: file.url, html_url: file.html_url ?? '', git_url: file.git_url ?? '', download_url: file.download_url ?? '', type: 'file', _links: { self: file._links.self, git: file._links.git ?? '', html: file._links.html ?? '' } },
      commit: {
        sha,
        node_id: nodeId('Commit', sha),
        url: `${origin}/repos/${fullName(repo)}/git/commits/${sha}`,
        html_url: `${origin}/${fullName(repo)}/commit/${sha}`,
        author: { date, name: state.viewer, email: `${state.viewer}@users.noreply.github.com` },
        committer: { date, name: 'GitHub', email: 'noreply@github.com' },
        message,
        tree: { url: `${origin}/repos/${fullName(repo)}/git/trees/${sha1(`tree:${sha}`)}`, sha: sha1(`tree:${sha}`) },
        parents: [{ url: `${origin}/repos/${fullName(repo)}/git/commits/${parentSha}`, html_url: `${origin}/${fullName(repo)}/commit/${parentSha}`, sha: parentSha }],
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
    };
    res.status(existing === undefined ? 201 : 200).json(out);
  });

  // --- git refs

  app.get('/repos/:owner/:repo/git/ref/*ref', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const ref = wildcard(req.params['ref']);
    const branch = ref.startsWith('heads/') ? ref.slice('heads/'.length) : undefined;
    const sha = branch === undefined ? undefined : gitOf(repo).refs.get(branch);
    if (branch === undefined || sha === undefined) return sendError(res, 404, 'Not Found', `${DOCS}/git/refs#get-a-reference`);
    res.json(gitRef(repo, branch, sha));
  });

  app.post('/repos/:owner/:repo/git/refs', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const docs = `${DOCS}/git/refs#create-a-reference`;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ref = str(body['ref']);
    const sha = str(body['sha']);
    if (ref === undefined || sha === undefined) return sendError(res, 422, 'Invalid request.\n\n"ref" and "sha" are required.', docs);
    if (!/^refs\/heads\/.+/.test(ref) || ref.split('/').length < 3) return sendError(res, 422, "Reference name must start with 'refs/' and have at least two slashes.", docs);
    const branch = ref.slice('refs/heads/'.length);
    if (/\.\.|[\s~^:?*[\\]|\/\/|\/$|\.lock$|@\{/.test(branch)) return sendError(res, 422, `${ref} is not a valid ref name.`, docs);
    const git = gitOf(repo);
    if (git.refs.has(branch)) return sendError(res, 422, 'Reference already exists', docs);
    if (!git.commits.has(sha)) return sendError(res, 422, 'Object does not exist', docs);
    git.refs.set(branch, sha);
    res.status(201).json(gitRef(repo, branch, sha));
  });

  // --- issues and comments

  const issueMatches = (i: SimIssue, req: Request): boolean => {
    const stateFilter = str(req.query['state']) ?? 'open';
    if (stateFilter !== 'all' && i.state !== stateFilter) return false;
    const labels = str(req.query['labels'])?.split(',').map((l) => l.trim()).filter(Boolean) ?? [];
    if (!labels.every((l) => i.labels.includes(l))) return false;
    const assignee = str(req.query['assignee']);
    if (assignee !== undefined && assignee !== '*' && !i.assignees.includes(assignee)) return false;
    const creator = str(req.query['creator']);
    if (creator !== undefined && i.user !== creator) return false;
    return updatedSince(i.closedAt ?? i.createdAt, req);
  };

  // `since` (ISO 8601): only what was last updated at or after it — issues and comments alike
  // (https://docs.github.com/en/rest/issues/issues#list-repository-issues,
  // https://docs.github.com/en/rest/issues/comments#list-issue-comments).
  const updatedSince = (updatedAt: string, req: Request): boolean => {
    const since = str(req.query['since']);
    if (since === undefined || Number.isNaN(Date.parse(since))) return true;
    return Date.parse(updatedAt) >= Date.parse(since);
  };

  app.get('/repos/:owner/:repo/issues', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const full = fullName(repo);
    const stateFilter = str(req.query['state']) ?? 'open';
    // Like GitHub, the issues list includes pull requests (they carry a `pull_request` key).
    const issues: Array<SimIssue | SimPull> = [
      ...state.issues.filter((i) => i.repo === full && issueMatches(i, req)),
      ...(req.query['labels'] || req.query['assignee'] || req.query['creator'] ? [] : state.pulls.filter((p) => p.repo === full && (stateFilter === 'all' || p.state === stateFilter) && updatedSince(p.createdAt, req))),
    ].sort((a, b) => b.number - a.number);
    const page: Schemas['issue'][] = paginate(req, res, issues).map(issueJson);
    res.json(page);
  });

  const findIssueOrPull = (repo: SimRepo, n: number): SimIssue | SimPull | undefined =>
    state.issues.find((i) => i.repo === fullName(repo) && i.number === n) ?? state.pulls.find((p) => p.repo === fullName(repo) && p.number === n);

  app.get('/repos/:owner/:repo/issues/:number', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const issue = findIssueOrPull(repo, Number(req.params['number']));
    if (!issue) return sendError(res, 404, 'Not Found', `${DOCS}/issues/issues#get-an-issue`);
    res.json(issueJson(issue));
  });

  const nextNumber = (full: string): number =>
    Math.max(0, ...state.issues.filter((i) => i.repo === full).map((i) => i.number), ...state.pulls.filter((p) => p.repo === full).map((p) => p.number)) + 1;

  app.post('/repos/:owner/:repo/issues', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const title = str(body['title']);
    if (title === undefined || title.trim() === '') return validationFailed(res, [{ resource: 'Issue', code: 'missing_field', field: 'title' }], `${DOCS}/issues/issues#create-an-issue`);
    const labels = Array.isArray(body['labels']) ? body['labels'].filter((l): l is string => typeof l === 'string') : [];
    const assignees = Array.isArray(body['assignees']) ? body['assignees'].filter((a): a is string => typeof a === 'string') : [];
    const unknown = assignees.filter((a) => !state.accounts.some((x) => x.type === 'User' && x.login === a));
    if (unknown.length > 0) return validationFailed(res, unknown.map((value) => ({ value, resource: 'Issue', field: 'assignees', code: 'invalid' })), `${DOCS}/issues/issues#create-an-issue`);
    const issue: SimIssue = { repo: fullName(repo), number: nextNumber(fullName(repo)), title, body: str(body['body']) ?? null, state: 'open', labels, user: state.viewer, assignees, createdAt: new Date().toISOString(), closedAt: null };
    state.issues.push(issue);
    res.status(201).set('Location', `${origin}/repos/${issue.repo}/issues/${issue.number}`).json(issueJson(issue));
  });

  app.get('/repos/:owner/:repo/issues/:number/comments', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const n = Number(req.params['number']);
    if (!findIssueOrPull(repo, n)) return sendError(res, 404, 'Not Found', `${DOCS}/issues/comments#list-issue-comments`);
    const comments = state.comments.filter((c) => c.repo === fullName(repo) && c.issueNumber === n && updatedSince(c.createdAt, req)).sort((a, b) => a.id - b.id);
    const page: Schemas['issue-comment'][] = paginate(req, res, comments).map(commentJson);
    res.json(page);
  });

  app.post('/repos/:owner/:repo/issues/:number/comments', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const n = Number(req.params['number']);
    if (!findIssueOrPull(repo, n)) return sendError(res, 404, 'Not Found', `${DOCS}/issues/comments#create-an-issue-comment`);
    const text = str((req.body as Record<string, unknown> | undefined)?.['body']);
    if (text === undefined || text === '') return validationFailed(res, [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }], `${DOCS}/issues/comments#create-an-issue-comment`);
    const comment: SimComment = { id: nextId++, repo: fullName(repo), issueNumber: n, body: text, user: state.viewer, createdAt: new Date().toISOString() };
    state.comments.push(comment);
    res.status(201).set('Location', `${origin}/repos/${comment.repo}/issues/comments/${comment.id}`).json(commentJson(comment));
  });

  // --- pull requests

  app.get('/repos/:owner/:repo/pulls', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const stateFilter = str(req.query['state']) ?? 'open';
    const base = str(req.query['base']);
    const head = str(req.query['head']); // `owner:branch`
    const pulls = state.pulls
      .filter((p) => p.repo === fullName(repo))
      .filter((p) => stateFilter === 'all' || p.state === stateFilter)
      .filter((p) => base === undefined || p.base === base)
      .filter((p) => head === undefined || `${repo.owner}:${p.head}`.toLowerCase() === head.toLowerCase())
      .sort((a, b) => b.number - a.number);
    const page: Schemas['pull-request-simple'][] = paginate(req, res, pulls).map((p) => pullSimpleJson(p, repo));
    res.json(page);
  });

  app.get('/repos/:owner/:repo/pulls/:number', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const pull = state.pulls.find((p) => p.repo === fullName(repo) && p.number === Number(req.params['number']));
    if (!pull) return sendError(res, 404, 'Not Found', `${DOCS}/pulls/pulls#get-a-pull-request`);
    res.json(pullJson(pull, repo));
  });

  app.post('/repos/:owner/:repo/pulls', (req, res) => {
    const repo = findRepo(req, res);
    if (!repo) return;
    const docs = `${DOCS}/pulls/pulls#create-a-pull-request`;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const title = str(body['title']);
    const base = str(body['base']);
    let head = str(body['head']);
    const missing = (['title', 'head', 'base'] as const).filter((f) => str(body[f]) === undefined);
    if (missing.length > 0) return validationFailed(res, missing.map((field) => ({ resource: 'PullRequest', code: 'missing_field', field })), docs);
    if (head?.includes(':')) {
      const [owner, branch] = head.split(':', 2);
      if (owner?.toLowerCase() !== repo.owner.toLowerCase()) return validationFailed(res, [{ resource: 'PullRequest', code: 'invalid', field: 'head' }], docs);
      head = branch;
    }
    const git = gitOf(repo);
    const headSha = head === undefined ? undefined : git.refs.get(head);
    const baseSha = base === undefined ? undefined : git.refs.get(base);
    if (headSha === undefined || head === undefined) return validationFailed(res, [{ resource: 'PullRequest', code: 'invalid', field: 'head' }], docs);
    if (baseSha === undefined || base === undefined) return validationFailed(res, [{ resource: 'PullRequest', code: 'invalid', field: 'base' }], docs);
    if (headSha === baseSha) return validationFailed(res, [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }], docs);
    if (state.pulls.some((p) => p.repo === fullName(repo) && p.state === 'open' && p.head === head && p.base === base)) {
      return validationFailed(res, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` }], docs);
    }
    const pull: SimPull = { repo: fullName(repo), number: nextNumber(fullName(repo)), title: title ?? '', body: str(body['body']) ?? null, state: 'open', draft: body['draft'] === true, head, base, user: state.viewer, merged: false, createdAt: new Date().toISOString() };
    state.pulls.push(pull);
    res.status(201).set('Location', `${origin}/repos/${pull.repo}/pulls/${pull.number}`).json(pullJson(pull, repo));
  });

  // --- search

  /** Splits a search query into free-text terms and `qualifier:value` pairs (quotes respected). */
  const parseQuery = (q: string): { terms: string[]; qualifiers: Array<[string, string]> } => {
    const terms: string[] = [];
    const qualifiers: Array<[string, string]> = [];
    for (const m of q.matchAll(/(-?[a-z-]+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/gi)) {
      if (m[1] !== undefined && m[2] !== undefined) qualifiers.push([m[1].toLowerCase(), m[2].replace(/^"|"$/g, '')]);
      else terms.push((m[3] ?? m[4] ?? '').toLowerCase());
    }
    return { terms: terms.filter((t) => t !== '' && t !== 'and'), qualifiers };
  };
  const repoScope = (qualifiers: Array<[string, string]>): SimRepo[] => {
    let repos = state.repos;
    for (const [k, v] of qualifiers) {
      if (k === 'repo') repos = repos.filter((r) => fullName(r).toLowerCase() === v.toLowerCase());
      if (k === 'org' || k === 'user') repos = repos.filter((r) => r.owner.toLowerCase() === v.toLowerCase());
    }
    return repos;
  };
  const searchResult = <T>(req: Request, res: Response, items: T[]) => ({ total_count: items.length, incomplete_results: false, items: paginate(req, res, items) });

  app.get('/search/code', (req, res) => {
    const q = str(req.query['q']) ?? '';
    const { terms, qualifiers } = parseQuery(q);
    if (terms.length === 0) return validationFailed(res, [{ resource: 'Search', field: 'q', code: 'missing' }], `${DOCS}/search/search#search-code`);
    const pathQ = qualifiers.filter(([k]) => k === 'path').map(([, v]) => v.replace(/^\/+/, ''));
    const ext = qualifiers.filter(([k]) => k === 'extension').map(([, v]) => v.replace(/^\./, ''));
    const filename = qualifiers.filter(([k]) => k === 'filename').map(([, v]) => v);
    const hits: Schemas['code-search-result-item'][] = [];
    for (const repo of repoScope(qualifiers)) {
      const tree = headTree(repo, repo.defaultBranch) ?? {};
      for (const [path, content] of Object.entries(tree).sort(([a], [b]) => a.localeCompare(b))) {
        const name = path.split('/').at(-1) ?? path;
        if (pathQ.length > 0 && !pathQ.some((p) => path.startsWith(p))) continue;
        if (ext.length > 0 && !ext.some((e) => name.endsWith(`.${e}`))) continue;
        if (filename.length > 0 && !filename.includes(name)) continue;
        const hay = `${path}\n${content}`.toLowerCase();
        if (!terms.every((t) => hay.includes(t))) continue;
        const sha = blobSha(content);
        hits.push({
          name,
          path,
          sha,
          url: `${origin}/repos/${fullName(repo)}/contents/${path}?ref=${sha}`,
          git_url: `${origin}/repos/${fullName(repo)}/git/blobs/${sha}`,
          html_url: `${origin}/${fullName(repo)}/blob/${sha}/${path}`,
          repository: minimalRepository(repo),
          score: 1,
        });
      }
    }
    res.json(searchResult(req, res, hits));
  });

  app.get('/search/issues', (req, res) => {
    const q = str(req.query['q']) ?? '';
    const { terms, qualifiers } = parseQuery(q);
    if (terms.length === 0 && qualifiers.length === 0) return validationFailed(res, [{ resource: 'Search', field: 'q', code: 'missing' }], `${DOCS}/search/search#search-issues-and-pull-requests`);
    const scoped = new Set(repoScope(qualifiers).map(fullName));
    let items: Array<SimIssue | SimPull> = [...state.issues, ...state.pulls].filter((i) => scoped.has(i.repo));
    for (const [k, v] of qualifiers) {
      const value = v.toLowerCase();
      if ((k === 'is' || k === 'type') && (value === 'issue' || value === 'pr' || value === 'pull-request')) items = items.filter((i) => ('head' in i) === (value !== 'issue'));
      if ((k === 'is' || k === 'state') && (value === 'open' || value === 'closed')) items = items.filter((i) => i.state === value);
      if (k === 'label') items = items.filter((i) => !('head' in i) && i.labels.some((l) => l.toLowerCase() === value));
      if (k === 'author') items = items.filter((i) => i.user.toLowerCase() === value);
      if (k === 'assignee') items = items.filter((i) => !('head' in i) && i.assignees.some((a) => a.toLowerCase() === value));
    }
    items = items.filter((i) => terms.every((t) => `${i.title}\n${i.body ?? ''}`.toLowerCase().includes(t))).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.number - a.number);
    const found: Schemas['issue-search-result-item'][] = items.map((i) => ({ ...issueJson(i), author_association: 'MEMBER' as const, body: i.body ?? '', labels: 'head' in i ? [] : labelsOf(i.repo, i.labels), score: 1 }));
    res.json(searchResult(req, res, found));
  });

  app.use((_req, res) => {
    sendError(res, 404, 'Not Found');
  });

  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if ((err as { type?: string }).type === 'entity.parse.failed') return sendError(res, 400, 'Problems parsing JSON');
    if ((err as { type?: string }).type === 'entity.too.large') return sendError(res, 413, 'Request body too large');
    logger.error('github-sim internal error', { error: { type: (err as Error).name } });
    sendError(res, 500, 'Server Error');
  });

  const { url, stop } = await listenApp(app, port, host);
  origin = url;
  logger.info('github-sim listening', { url: { full: url }, labels: { repos: state.repos.length } });

  return {
    url,
    state,
    failNext(n, status, opts = {}) {
      if (!Number.isInteger(n) || n < 0) throw new TypeError('failNext: n must be a non-negative integer');
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new TypeError('failNext: status must be 4xx or 5xx');
      injected = { remaining: n, status, ...opts };
    },
    setToken(next) {
      if (typeof next !== 'string' || next === '') throw new TypeError('setToken: token must be a non-empty string');
      token = next;
    },
    stop,
  };
}
