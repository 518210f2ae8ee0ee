import type { CallOptions, UpstreamClientOptions } from '../shared.ts';
import { randomUUID } from 'node:crypto';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { ResourceChangedError } from '@mcp-platform/mcp-common/binding';
import { UpstreamAuthError, UpstreamRejectedError, createUpstreamPolicy, type BreakerState } from '@mcp-platform/mcp-common/resilience';
import { createLazyAuth } from './auth.ts';
import { UPSTREAM, toUpstreamError } from './errors.ts';
import {
  toComment,
  toIssue,
  toPullRequest,
  toRepository,
  type CodeSearchHit,
  type CreatedBranch,
  type DirectoryListing,
  type FileCommit,
  type FileContent,
  type GitHubCredentials,
  type Issue,
  type IssueComment,
  type Page,
  type PullRequest,
  type Repository,
  type SearchPage,
} from './types.ts';

const GitHubOctokit = Octokit.plugin(paginateRest, restEndpointMethods, throttling);
type GitHubOctokit = InstanceType<typeof GitHubOctokit>;

/**
 * How the client treats GitHub's rate limits (the throttling plugin). Durations in the unit named.
 *
 * @example
 * ```ts
 * const rateLimit: GitHubRateLimitOptions = { maxWaitSeconds: 30, maxRetries: 2 };
 * ```
 */
export interface GitHubRateLimitOptions {
  /** Longest rate-limit wait a read sits out before failing with `ERR_UPSTREAM_RATE_LIMITED`, in seconds. Default 10. */
  maxWaitSeconds?: number;
  /** How often one read is retried after a rate limit. Default 1. Writes are never retried. */
  maxRetries?: number;
  /** Least time between two writes of this client, in ms (GitHub's guidance against secondary limits). Default 1000. */
  writeIntervalMs?: number;
  /** Least time between two searches of this client, in ms. Default 2000. */
  searchIntervalMs?: number;
}

/**
 * Options of {@link createGitHubClient}.
 *
 * @example
 * ```ts
 * const options: GitHubClientOptions = { baseUrl: 'https://ghe.example.com/api/v3', credentials: async () => ({ token }) };
 * ```
 */
export interface GitHubClientOptions extends UpstreamClientOptions<GitHubCredentials> {
  /** REST API root. Default `https://api.github.com`; GitHub Enterprise Server: `https://<host>/api/v3`. */
  baseUrl?: string;
  rateLimit?: GitHubRateLimitOptions;
  /** Items requested per page (`per_page`, 1–100) when paging through lists. Default 100. */
  pageSize?: number;
  /** Largest file `getFile` returns, in bytes. Default 1048576 (1 MiB). */
  maxFileBytes?: number;
  /** `User-Agent` product (GitHub requires one). Default `mcp-platform`. */
  userAgent?: string;
}

/** `owner` + `repo` of a repository. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * A typed GitHub REST client (see {@link createGitHubClient}). List methods take `limit`, the
 * most items returned (paging through GitHub's `Link` headers until then), default 30, at most 1000.
 *
 * @example
 * ```ts
 * const { items } = await github.listIssues({ owner: 'acme-net', repo: 'network-templates', state: 'open' }, { signal });
 * ```
 */
export interface GitHubClient {
  /** `GET /orgs/{org}/repos`, or `GET /user/repos` (the credential's repositories) without `org`. */
  listRepositories(query: { org?: string; type?: 'all' | 'public' | 'private' | 'forks' | 'sources' | 'member'; limit?: number }, options?: CallOptions): Promise<Page<Repository>>;
  /** `GET /repos/{owner}/{repo}`. */
  getRepository(ref: RepoRef, options?: CallOptions): Promise<Repository>;
  /** `GET /repos/{owner}/{repo}/contents/{path}`: a file decoded as UTF-8 (size-limited, binary refused) or a directory listing. */
  getFile(query: RepoRef & { path: string; ref?: string }, options?: CallOptions): Promise<FileContent | DirectoryListing>;
  /** `GET /search/code` (GitHub search syntax, e.g. `ntp org:acme-net extension:j2`). */
  searchCode(query: { query: string; limit?: number }, options?: CallOptions): Promise<SearchPage<CodeSearchHit>>;
  /** `GET /search/issues` (e.g. `is:issue is:open label:bug repo:acme/app`). */
  searchIssues(query: { query: string; limit?: number }, options?: CallOptions): Promise<SearchPage<Issue>>;
  /** `GET /repos/{owner}/{repo}/issues` (GitHub includes pull requests: see `isPullRequest`). */
  listIssues(query: RepoRef & { state?: 'open' | 'closed' | 'all'; labels?: string[]; assignee?: string; since?: string; limit?: number }, options?: CallOptions): Promise<Page<Issue>>;
  /** `GET /repos/{owner}/{repo}/issues/{issue_number}`. */
  getIssue(query: RepoRef & { issueNumber: number }, options?: CallOptions): Promise<Issue>;
  /** `POST /repos/{owner}/{repo}/issues`. Not retried. */
  createIssue(input: RepoRef & { title: string; body?: string; labels?: string[]; assignees?: string[] }, options?: CallOptions): Promise<Issue>;
  /** `GET /repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  listIssueComments(query: RepoRef & { issueNumber: number; since?: string; limit?: number }, options?: CallOptions): Promise<Page<IssueComment>>;
  /** `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`. Not retried. */
  createIssueComment(input: RepoRef & { issueNumber: number; body: string }, options?: CallOptions): Promise<IssueComment>;
  /** `GET /repos/{owner}/{repo}/pulls`. */
  listPullRequests(query: RepoRef & { state?: 'open' | 'closed' | 'all'; base?: string; head?: string; limit?: number }, options?: CallOptions): Promise<Page<PullRequest>>;
  /** `GET /repos/{owner}/{repo}/pulls/{pull_number}`. */
  getPullRequest(query: RepoRef & { pullNumber: number }, options?: CallOptions): Promise<PullRequest>;
  /** `GET /repos/{owner}/{repo}/git/ref/heads/{branch}` → the head commit sha. */
  getBranchSha(query: RepoRef & { branch: string }, options?: CallOptions): Promise<string>;
  /**
   * Creates `branch` at the head of `from` (default: the repository's default branch): `POST /repos/{owner}/{repo}/git/refs`.
   * Compare-and-set: with `expectedSha`, only while `from` still points at that commit (else
   * `ResourceChangedError`, nothing written). Idempotent: when `branch` already exists at exactly
   * that commit, it is returned with `created: false`; at another commit → `ERR_VALIDATION`. Not retried.
   */
  createBranch(input: RepoRef & { branch: string; from?: string; expectedSha?: string }, options?: CallOptions): Promise<CreatedBranch>;
  /**
   * Creates or updates one file on `branch` with one commit: `PUT /repos/{owner}/{repo}/contents/{path}`.
   * Without `sha`, reads the file on the branch first to update it (optimistic: a concurrent change
   * makes GitHub answer 409). Not retried.
   */
  createOrUpdateFile(input: RepoRef & { branch: string; path: string; content: string; message: string; sha?: string }, options?: CallOptions): Promise<FileCommit>;
  /**
   * `POST /repos/{owner}/{repo}/pulls` (base default: the repository's default branch). Idempotent:
   * when an open pull request from `head` into `base` already exists (GitHub allows one), it is
   * returned with `created: false`. Not retried.
   */
  createPullRequest(input: RepoRef & { title: string; head: string; base?: string; body?: string; draft?: boolean }, options?: CallOptions): Promise<PullRequest & { created: boolean }>;
  /** State of this upstream's circuit breaker. */
  breakerState(): BreakerState;
  /** Disposes the policy and the rate limiters. */
  close(): Promise<void>;
}

const MAX_LIMIT = 1000;

function checkLimit(limit: number | undefined): number {
  const l = limit ?? 30;
  if (!Number.isInteger(l) || l < 1 || l > MAX_LIMIT) throw new TypeError(`limit must be an integer between 1 and ${MAX_LIMIT}`);
  return l;
}

function requireName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

function requireNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TypeError(`${what} must be a positive integer`);
  return value;
}

const isRead = (method: string | undefined): boolean => method === undefined || method === 'GET' || method === 'HEAD';

/**
 * Creates a GitHub (or GitHub Enterprise Server) REST client on Octokit: credentials read per
 * request (PAT, or GitHub App installation tokens), the throttling plugin for rate limits (reads
 * wait out short primary/secondary limits; writes are spaced and never retried), the spine's
 * upstream policy (timeout, retries of reads on network errors and 5xx, circuit breaker), and
 * GitHub's errors mapped to the spine's typed errors with GitHub's own message. Tokens and keys
 * are never logged or put in errors.
 *
 * @example
 * ```ts
 * const github = createGitHubClient({
 *   baseUrl: 'https://api.github.com',
 *   credentials: async () => ({ token }), // in a service: withUpstreamCredentials hands this over
 *   logger,
 * });
 * const { items } = await github.listRepositories({ org: 'acme-net', limit: 100 });
 * const branch = await github.createBranch({ owner: 'acme-net', repo: 'network-templates', branch: 'feature/qos' });
 * ```
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(baseUrl)) throw new TypeError('baseUrl must be an http(s) URL');
  if (typeof options.credentials !== 'function') throw new TypeError('credentials must be a function');
  const maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new TypeError('pageSize must be an integer between 1 and 100');
  const maxWaitSeconds = options.rateLimit?.maxWaitSeconds ?? 10;
  const maxRetries = options.rateLimit?.maxRetries ?? 1;
  const logger = options.logger?.child({ upstream: { name: UPSTREAM } });
  const policy = createUpstreamPolicy({ ...options.policy, name: options.policy?.name ?? UPSTREAM, logger: options.policy?.logger ?? options.logger });
  const limiters = {
    write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.rateLimit?.writeIntervalMs ?? 1000 }),
    notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.rateLimit?.writeIntervalMs ?? 1000 }),
    search: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.rateLimit?.searchIntervalMs ?? 2000 }),
  };

  /** Throttling plugin callback: `true` = wait `retryAfter` seconds and retry. Reads only, short waits only. */
  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (retryAfter: number, request: { method?: string; url?: string }, _octokit: unknown, retryCount: number): boolean => {
      const retry = isRead(request.method) && retryCount < maxRetries && retryAfter <= maxWaitSeconds;
      logger?.warn(`github ${kind} rate limit${retry ? `; retrying in ${retryAfter} s` : ''}`, {
        event: { action: 'upstream-rate-limit' },
        labels: { kind, retry_after_s: retryAfter, method: request.method ?? 'GET', retry },
      });
      return retry;
    };

  const octokit: GitHubOctokit = new GitHubOctokit({
    baseUrl,
    userAgent: options.userAgent ?? 'mcp-platform',
    authStrategy: createLazyAuth,
    auth: { credentials: options.credentials },
    request: { retries: 0 },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger?.warn(message),
      error: (message: string) => logger?.error(message),
    },
    throttle: {
      id: randomUUID(),
      ...limiters,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  });

  /** Runs one operation under the policy, mapping Octokit's errors; 401 tells the owner of the credential. */
  async function call<T>(operation: string, mode: boolean | { read: object }, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // `{ read: query }`: an idempotent read, cached for degraded mode under the operation and its query
    // (when the policy has a read cache): answered stale while the breaker is open.
    const idempotent = mode !== false;
    const cacheKey = typeof mode === 'object' ? `${operation} ${JSON.stringify(mode.read)}` : undefined;
    try {
      const out = await policy.execute(
        async (attemptSignal) => {
          try {
            return await fn(attemptSignal);
          } catch (err) {
            throw toUpstreamError(err);
          }
        },
        { idempotent, ...(signal ? { signal } : {}), ...(cacheKey !== undefined ? { cacheKey } : {}) },
      );
      logger?.debug('github call', { labels: { operation } });
      return out;
    } catch (err) {
      if (err instanceof UpstreamAuthError) {
        logger?.warn('github rejected the credentials', { event: { action: 'upstream-auth', outcome: 'failure' }, labels: { operation } });
      }
      throw err;
    }
  }

  /** Pages through a list endpoint until `limit` items, reporting whether more exist. */
  async function collect<T, R>(pages: AsyncIterable<{ data: T[]; headers: { link?: string } }>, limit: number, map: (item: T) => R): Promise<Page<R>> {
    const items: R[] = [];
    for await (const page of pages) {
      for (const item of page.data) {
        if (items.length === limit) return { items, truncated: true };
        items.push(map(item));
      }
      if (items.length === limit) return { items, truncated: /rel="next"/.test(page.headers.link ?? '') };
    }
    return { items, truncated: false };
  }

  const perPage = (limit: number) => Math.min(pageSize, limit);

  const client: GitHubClient = {
    async listRepositories(query, callOptions = {}) {
      const limit = checkLimit(query.limit);
      return call('GET /orgs/{org}/repos', { read: query }, callOptions.signal, (signal) => {
        if (query.org !== undefined) {
          const org = requireName(query.org, 'org');
          const type = query.type === 'member' ? 'all' : query.type;
          return collect(octokit.paginate.iterator(octokit.rest.repos.listForOrg, { org, per_page: perPage(limit), ...(type ? { type } : {}), request: { signal } }), limit, toRepository);
        }
        const type = query.type === 'forks' || query.type === 'sources' ? 'all' : query.type;
        return collect(octokit.paginate.iterator(octokit.rest.repos.listForAuthenticatedUser, { per_page: perPage(limit), ...(type ? { type } : {}), request: { signal } }), limit, toRepository);
      });
    },

    async getRepository(ref, callOptions = {}) {
      const owner = requireName(ref.owner, 'owner');
      const repo = requireName(ref.repo, 'repo');
      return call('GET /repos/{owner}/{repo}', { read: ref }, callOptions.signal, async (signal) => toRepository((await octokit.rest.repos.get({ owner, repo, request: { signal } })).data));
    },

    async getFile(query, callOptions = {}) {
      const owner = requireName(query.owner, 'owner');
      const repo = requireName(query.repo, 'repo');
      const path = requireName(query.path, 'path').replace(/^\/+|\/+$/g, '');
      const data = await call('GET /repos/{owner}/{repo}/contents/{path}', { read: query }, callOptions.signal, async (signal) =>
        (await octokit.rest.repos.getContent({ owner, repo, path, ...(query.ref ? { ref: query.ref } : {}), request: { signal } })).data,
      );
      const ref = query.ref ?? null;
      if (Array.isArray(data)) {
        return { type: 'dir', path, ref, entries: data.map((e) => ({ name: e.name, path: e.path, type: e.type as 'file' | 'dir' | 'symlink' | 'submodule', size: e.size })) };
      }
      if (data.type !== 'file') throw new PlatformError('ERR_VALIDATION', `${path} is a ${data.type}, not a file`);
      if (data.size > maxFileBytes) throw new PlatformError('ERR_VALIDATION', `${path} is ${data.size} bytes; files larger than ${maxFileBytes} bytes are not returned`);
      if (data.encoding !== 'base64') throw new PlatformError('ERR_VALIDATION', `${path}: GitHub did not return its content (encoding "${data.encoding}")`);
      const bytes = Buffer.from(data.content, 'base64');
      if (bytes.includes(0)) throw new PlatformError('ERR_VALIDATION', `${path} is a binary file`);
      return { type: 'file', path: data.path, name: data.name, sha: data.sha, size: data.size, ref, content: bytes.toString('utf8'), htmlUrl: data.html_url };
    },

    async searchCode(query, callOptions = {}) {
      const q = requireName(query.query, 'query');
      const limit = checkLimit(query.limit);
      return call('GET /search/code', { read: query }, callOptions.signal, async (signal) => {
        let totalCount = 0;
        let incomplete = false;
        const page = await collect(
          (async function* () {
            for await (const res of octokit.paginate.iterator(octokit.rest.search.code, { q, per_page: perPage(limit), request: { signal } })) {
              // The paginate plugin flattens `items` and moves total_count / incomplete_results beside them.
              const extra = res.data as unknown as { total_count?: number; incomplete_results?: boolean };
              totalCount = extra.total_count ?? totalCount;
              incomplete = extra.incomplete_results ?? incomplete;
              yield res;
            }
          })(),
          limit,
          (h): CodeSearchHit => ({ repository: h.repository.full_name, path: h.path, name: h.name, sha: h.sha, htmlUrl: h.html_url }),
        );
        return { ...page, totalCount, incomplete };
      });
    },

    async searchIssues(query, callOptions = {}) {
      const q = requireName(query.query, 'query');
      const limit = checkLimit(query.limit);
      return call('GET /search/issues', { read: query }, callOptions.signal, async (signal) => {
        let totalCount = 0;
        let incomplete = false;
        const page = await collect(
          (async function* () {
            for await (const res of octokit.paginate.iterator(octokit.rest.search.issuesAndPullRequests, { q, per_page: perPage(limit), request: { signal } })) {
              const extra = res.data as unknown as { total_count?: number; incomplete_results?: boolean };
              totalCount = extra.total_count ?? totalCount;
              incomplete = extra.incomplete_results ?? incomplete;
              yield res;
            }
          })(),
          limit,
          toIssue,
        );
        return { ...page, totalCount, incomplete };
      });
    },

    async listIssues(query, callOptions = {}) {
      const owner = requireName(query.owner, 'owner');
      const repo = requireName(query.repo, 'repo');
      const limit = checkLimit(query.limit);
      return call('GET /repos/{owner}/{repo}/issues', { read: query }, callOptions.signal, (signal) =>
        collect(
          octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
            owner,
            repo,
            state: query.state ?? 'open',
            ...(query.labels?.length ? { labels: query.labels.join(',') } : {}),
            ...(query.assignee ? { assignee: query.assignee } : {}),
            // Newest first (GitHub's default, stated): `since` = updated at or after (ISO 8601).
            sort: 'created',
            direction: 'desc',
            ...(query.since ? { since: query.since } : {}),
            per_page: perPage(limit),
            request: { signal },
          }),
          limit,
          toIssue,
        ),
      );
    },

    async getIssue(query, callOptions = {}) {
      const owner = requireName(query.owner, 'owner');
      const repo = requireName(query.repo, 'repo');
      const issue_number = requireNumber(query.issueNumber, 'issueNumber');
      return call('GET /repos/{owner}/{repo}/issues/{issue_number}', { read: query }, callOptions.signal, async (signal) =>
        toIssue((await octokit.rest.issues.get({ owner, repo, issue_number, request: { signal } })).data),
      );
    },

    async createIssue(input, callOptions = {}) {
      const owner = requireName(input.owner, 'owner');
      const repo = requireName(input.repo, 'repo');
      const title = requireName(input.title, 'title');
      return call('POST /repos/{owner}/{repo}/issues', false, callOptions.signal, async (signal) =>
        toIssue(
          (
            await octokit.rest.issues.create({
              owner,
              repo,
              title,
              ...(input.body !== undefined ? { body: input.body } : {}),
              ...(input.labels?.length ? { labels: input.labels } : {}),
              ...(input.assignees?.length ? { assignees: input.assignees } : {}),
              request: { signal },
            })
          ).data,
        ),
      );
    },

    async listIssueComments(query, callOptions = {}) {
      const owner = requireName(query.owner, 'owner');
      const repo = requireName(query.repo, 'repo');
      const issue_number = requireNumber(query.issueNumber, 'issueNumber');
      const limit = checkLimit(query.limit);
      return call('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { read: query }, callOptions.signal, (signal) =>
        collect(octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number, ...(query.since ? { since: query.since } : {}), per_page: perPage(limit), request: { signal } }), limit, toComment),
      );
    },

    async createIssueComment(input, callOptions = {}) {
      const owner = requireName(input.owner, 'owner');
      const repo = requireName(input.repo, 'repo');
      const issue_number = requireNumber(input.issueNumber, 'issueNumber');
      const body = requireName(input.body, 'body');
      return call('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', false, callOptions.signal, async (signal) =>
        toComment((await octokit.rest.issues.createComment({ owner, repo, issue_number, body, request: { signal } })).data),
      );
    },

    async listPullRequests(query, callOptions = {}) {
      const owner = requireName(query.owner, 'owner');
      const repo = requireName(query.repo, 'repo');
      const limit = checkLimit(query.limit);
      return call('GET /repos/{owner}/{repo}/pulls', { read: query }, callOptions.signal, (signal) =>
        collect(
          octokit.paginate.iterator(octokit.rest.pulls.list, {
            owner,
            repo,
            state: query.state ?? 'open',
            ...(query.base ? { base: query.base } : {}),
            ...(query.head ? { head: query.head.includes(':') ? query.head : `${owner}:${query.head}` } : {}),
            per_page: perPage(limit),
            request: { signal },
          }),
          limit,
          toPullRequest,
        ),
      );
    },

    async getPullRequest(query, callOptions = {}) {
      const owner = requireName(query.owner, 'owner');
      const repo = requireName(query.repo, 'repo');
      const pull_number = requireNumber(query.pullNumber, 'pullNumber');
      return call('GET /repos/{owner}/{repo}/pulls/{pull_number}', { read: query }, callOptions.signal, async (signal) =>
        toPullRequest((await octokit.rest.pulls.get({ owner, repo, pull_number, request: { signal } })).data),
      );
    },

    async getBranchSha(query, callOptions = {}) {
      const owner = requireName(query.owner, 'owner');
      const repo = requireName(query.repo, 'repo');
      const branch = requireName(query.branch, 'branch');
      return call('GET /repos/{owner}/{repo}/git/ref/{ref}', { read: query }, callOptions.signal, async (signal) =>
        (await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}`, request: { signal } })).data.object.sha,
      );
    },

    async createBranch(input, callOptions = {}) {
      const owner = requireName(input.owner, 'owner');
      const repo = requireName(input.repo, 'repo');
      const branch = requireName(input.branch, 'branch');
      const from = input.from ?? (await client.getRepository({ owner, repo }, callOptions)).defaultBranch;
      const sha = await client.getBranchSha({ owner, repo, branch: from }, callOptions);
      if (input.expectedSha !== undefined && input.expectedSha.toLowerCase() !== sha.toLowerCase()) {
        throw new ResourceChangedError(`branch ${from} (now at ${sha.slice(0, 7)}, expected ${input.expectedSha.slice(0, 7)})`);
      }
      try {
        await call('POST /repos/{owner}/{repo}/git/refs', false, callOptions.signal, (signal) =>
          octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha, request: { signal } }),
        );
      } catch (err) {
        // 422 "Reference already exists": a retry of this very create, or a different branch of that name.
        if (!(err instanceof UpstreamRejectedError) || (err as { status?: number }).status !== 422) throw err;
        const existing = await client.getBranchSha({ owner, repo, branch }, callOptions).catch(() => undefined);
        if (existing === undefined) throw err;
        if (existing.toLowerCase() !== sha.toLowerCase()) {
          throw new PlatformError('ERR_VALIDATION', `branch: ${branch} already exists at another commit (${existing.slice(0, 7)})`, { cause: err });
        }
        return { branch, sha, from, created: false };
      }
      return { branch, sha, from, created: true };
    },

    async createOrUpdateFile(input, callOptions = {}) {
      const owner = requireName(input.owner, 'owner');
      const repo = requireName(input.repo, 'repo');
      const branch = requireName(input.branch, 'branch');
      const path = requireName(input.path, 'path').replace(/^\/+|\/+$/g, '');
      const message = requireName(input.message, 'message');
      if (typeof input.content !== 'string') throw new TypeError('content must be a string');
      let sha = input.sha;
      if (sha === undefined) {
        try {
          const existing = await call('GET /repos/{owner}/{repo}/contents/{path}', true, callOptions.signal, async (signal) =>
            (await octokit.rest.repos.getContent({ owner, repo, path, ref: branch, request: { signal } })).data,
          );
          if (Array.isArray(existing) || existing.type !== 'file') throw new PlatformError('ERR_VALIDATION', `${path} is a directory on ${branch}, not a file`);
          sha = existing.sha;
        } catch (err) {
          if (!(err instanceof PlatformError && err.code === 'ERR_UPSTREAM_NOT_FOUND')) throw err;
        }
      }
      const res = await call('PUT /repos/{owner}/{repo}/contents/{path}', false, callOptions.signal, (signal) =>
        octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path,
          branch,
          message,
          content: Buffer.from(input.content, 'utf8').toString('base64'),
          ...(sha !== undefined ? { sha } : {}),
          request: { signal },
        }),
      );
      return {
        path,
        branch,
        created: res.status === 201,
        commitSha: res.data.commit.sha ?? '',
        commitUrl: res.data.commit.html_url ?? null,
        blobSha: res.data.content?.sha ?? '',
      };
    },

    async createPullRequest(input, callOptions = {}) {
      const owner = requireName(input.owner, 'owner');
      const repo = requireName(input.repo, 'repo');
      const title = requireName(input.title, 'title');
      const head = requireName(input.head, 'head');
      const base = input.base ?? (await client.getRepository({ owner, repo }, callOptions)).defaultBranch;
      // GitHub allows one open pull request per head → base: a retried create returns it.
      const open = await client.listPullRequests({ owner, repo, state: 'open', head, base, limit: 1 }, callOptions);
      const existing = open.items[0];
      if (existing !== undefined) return { ...existing, created: false };
      let pr: PullRequest;
      try {
        pr = await call('POST /repos/{owner}/{repo}/pulls', false, callOptions.signal, async (signal) =>
          toPullRequest(
            (
              await octokit.rest.pulls.create({
                owner,
                repo,
                title,
                head,
                base,
                ...(input.body !== undefined ? { body: input.body } : {}),
                ...(input.draft !== undefined ? { draft: input.draft } : {}),
                request: { signal },
              })
            ).data,
          ),
        );
      } catch (err) {
        // 422 "A pull request already exists": opened meanwhile by someone else; return that one.
        if (!(err instanceof UpstreamRejectedError) || (err as { status?: number }).status !== 422) throw err;
        const raced = (await client.listPullRequests({ owner, repo, state: 'open', head, base, limit: 1 }, callOptions)).items[0];
        if (raced === undefined) throw err;
        return { ...raced, created: false };
      }
      return { ...pr, created: true };
    },

    breakerState: () => policy.breakerState(),

    async close() {
      policy.dispose();
      await Promise.all(Object.values(limiters).map((g) => g.disconnect(false)));
    },
  };
  return client;
}

export type { CallOptions } from '../shared.ts';
