import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@mcp-platform/test-support';
import { isPlatformError } from '@mcp-platform/mcp-common/errors';
import { UpstreamRateLimitedError } from '@mcp-platform/mcp-common/resilience';
import { startGitHubSimulator, type GitHubSimulator } from '@mcp-platform/sandboxes/github';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from './index.ts';

const TOKEN = 'ghp_simTestToken0123456789abcdef';
const TEMPLATES = { owner: 'acme-net', repo: 'network-templates' };

let sim: GitHubSimulator;
let logger: MemoryLogger;
let clients: GitHubClient[] = [];

function client(extra: Partial<GitHubClientOptions> = {}): GitHubClient {
  const c = createGitHubClient({
    baseUrl: sim.url,
    credentials: async () => ({ token: TOKEN }),
    logger,
    policy: { timeoutMs: 5000, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 50 }, breaker: { consecutiveFailures: 5, halfOpenAfterMs: 200 } },
    rateLimit: { writeIntervalMs: 0, searchIntervalMs: 0, maxWaitSeconds: 3 },
    ...extra,
  });
  clients.push(c);
  return c;
}

const count = (method: string, prefix: string) => sim.state.requests.filter((r) => r.method === method && r.path.startsWith(prefix)).length;
const failure = async (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.fail('expected a failure'), (e: unknown) => e);

beforeAll(async () => {
  sim = await startGitHubSimulator({ port: 0, token: TOKEN });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  logger = new MemoryLogger();
  sim.state.requests.length = 0;
  sim.failNext(0, 503);
  sim.setToken(TOKEN);
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  expect(logger.text()).not.toContain(TOKEN);
});

describe('reads', () => {
  it('pages through an organization’s repositories with Link headers up to the caller’s cap', async () => {
    const c = client({ pageSize: 5 });
    const capped = await c.listRepositories({ org: 'acme-apps', limit: 12 });
    expect(capped.items).toHaveLength(12);
    expect(capped.truncated).toBe(true);
    expect(count('GET', '/orgs/acme-apps/repos')).toBe(3);
    const all = await c.listRepositories({ org: 'acme-apps', limit: 100 });
    expect(all.items).toHaveLength(14);
    expect(all.truncated).toBe(false);
    expect(new Set(all.items.map((r) => r.fullName)).size).toBe(14);
    expect(all.items.find((r) => r.name === 'web-portal')?.defaultBranch).toBe('develop');
    const exact = await c.listRepositories({ org: 'acme-apps', limit: 14 });
    expect(exact.truncated).toBe(false);
    const mine = await c.listRepositories({ limit: 3 });
    expect(mine.items).toHaveLength(3);
    expect(mine.truncated).toBe(true);
  });

  it('reads a repository and decodes a file, lists a directory, and refuses files over the size limit', async () => {
    const c = client();
    expect(await c.getRepository(TEMPLATES)).toMatchObject({ fullName: 'acme-net/network-templates', defaultBranch: 'main', private: true });
    const file = await c.getFile({ ...TEMPLATES, path: 'templates/access/interface-description.vtl' });
    expect(file.type).toBe('file');
    if (file.type !== 'file') return;
    expect(file.content).toContain('interface $interface\n description $description');
    expect(file.sha).toMatch(/^[0-9a-f]{40}$/);
    const dir = await c.getFile({ ...TEMPLATES, path: 'templates' });
    expect(dir.type === 'dir' && dir.entries.map((e) => `${e.type}:${e.name}`)).toEqual(['dir:access', 'dir:branch', 'dir:core']);
    const onBranch = await c.getFile({ ...TEMPLATES, path: 'templates/core/ospf-area.j2', ref: 'feature/ospf-md5' });
    expect(onBranch.type === 'file' && onBranch.content).toContain('message-digest');
    const small = client({ maxFileBytes: 100 });
    expect(await failure(small.getFile({ ...TEMPLATES, path: 'README.md' }))).toMatchObject({ code: 'ERR_VALIDATION', message: expect.stringContaining('bytes') });
  });

  it('maps 404 to ERR_UPSTREAM_NOT_FOUND with GitHub’s message', async () => {
    const err = await failure(client().getFile({ ...TEMPLATES, path: 'nope.txt' }));
    expect(isPlatformError(err, 'ERR_UPSTREAM_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toBe('github: not found (Not Found)');
    expect(count('GET', '/repos/acme-net/network-templates/contents')).toBe(1); // 404 is not retried
  });

  it('searches code and issues', async () => {
    const c = client();
    const code = await c.searchCode({ query: 'ntp org:acme-net' });
    expect(code.items.map((h) => `${h.repository}/${h.path}`)).toEqual(['acme-net/network-templates/templates/branch/ntp.j2']);
    expect(code.totalCount).toBe(1);
    const issues = await c.searchIssues({ query: 'is:issue is:open label:bug repo:acme-net/network-templates' });
    expect(issues.items.map((i) => i.number)).toEqual([1]);
    const prs = await c.searchIssues({ query: 'is:pr org:acme-net' });
    expect(prs.items.every((i) => i.isPullRequest)).toBe(true);
  });

  it('lists and gets issues, comments and pull requests', async () => {
    const c = client();
    const open = await c.listIssues({ ...TEMPLATES });
    expect(open.items.map((i) => [i.number, i.isPullRequest])).toEqual([
      [4, true],
      [2, false],
      [1, false],
    ]);
    expect((await c.listIssues({ ...TEMPLATES, state: 'closed' })).items.map((i) => i.number)).toEqual([3]);
    expect(await c.getIssue({ ...TEMPLATES, issueNumber: 2 })).toMatchObject({ title: 'Add a QoS template for branch routers', labels: ['enhancement'], assignees: ['dave-dev'] });
    const comments = await c.listIssueComments({ ...TEMPLATES, issueNumber: 1 });
    expect(comments.items.map((x) => x.author)).toEqual(['dave-dev', 'nina-neteng']);
    const pulls = await c.listPullRequests({ ...TEMPLATES });
    expect(pulls.items).toMatchObject([{ number: 4, head: 'feature/ospf-md5', base: 'main', mergeable: null }]);
    expect(await c.getPullRequest({ ...TEMPLATES, pullNumber: 4 })).toMatchObject({ number: 4, changedFiles: 1, mergeable: true });
  });
});

describe('writes', () => {
  it('creates a branch from the default branch, commits a file twice, opens a pull request', async () => {
    const c = client();
    const mainBefore = sim.state.git.get('acme-net/network-templates')?.refs.get('main');
    const branch = await c.createBranch({ ...TEMPLATES, branch: 'feature/qos' });
    expect(branch).toEqual({ branch: 'feature/qos', sha: mainBefore, from: 'main', created: true });
    const first = await c.createOrUpdateFile({ ...TEMPLATES, branch: 'feature/qos', path: 'templates/branch/qos.j2', content: 'policy-map BRANCH-QOS\n', message: 'Add branch QoS template' });
    expect(first).toMatchObject({ created: true, path: 'templates/branch/qos.j2' });
    const second = await c.createOrUpdateFile({ ...TEMPLATES, branch: 'feature/qos', path: 'templates/branch/qos.j2', content: 'policy-map BRANCH-QOS\n class VOICE\n', message: 'Voice class' });
    expect(second.created).toBe(false);
    const git = sim.state.git.get('acme-net/network-templates');
    expect(git?.refs.get('main')).toBe(mainBefore);
    expect(git?.commits.get(git.refs.get('feature/qos') ?? '')?.tree['templates/branch/qos.j2']).toBe('policy-map BRANCH-QOS\n class VOICE\n');
    const pr = await c.createPullRequest({ ...TEMPLATES, title: 'Branch QoS template', head: 'feature/qos', body: 'Closes #2' });
    expect(pr).toMatchObject({ base: 'main', head: 'feature/qos', state: 'open', number: 5 });
    expect(sim.state.pulls.at(-1)).toMatchObject({ title: 'Branch QoS template', head: 'feature/qos', base: 'main' });
  });

  it('creates an issue and a comment, and maps 422 to ERR_UPSTREAM_REJECTED with GitHub’s explanation', async () => {
    const c = client();
    const issue = await c.createIssue({ owner: 'acme-apps', repo: 'payments-api', title: 'Flaky test', labels: ['bug'] });
    expect(issue).toMatchObject({ number: 4, labels: ['bug'], state: 'open' });
    const comment = await c.createIssueComment({ owner: 'acme-apps', repo: 'payments-api', issueNumber: issue.number, body: 'Seen twice today.' });
    expect(comment.body).toBe('Seen twice today.');
    // "Reference already exists" (422): the same branch at the same commit is a retried create; at another commit, refused.
    expect(await c.createBranch({ ...TEMPLATES, branch: 'main', from: 'main' })).toMatchObject({ branch: 'main', created: false });
    const clash = await failure(c.createBranch({ ...TEMPLATES, branch: 'feature/qos', from: 'main' }));
    expect(clash).toMatchObject({ code: 'ERR_VALIDATION' });
    expect((clash as Error).message).toMatch(/^branch: feature\/qos already exists at another commit \([0-9a-f]{7}\)$/);
    expect(isPlatformError(clash, 'ERR_VALIDATION')).toBe(true);
    const stale = await failure(c.createBranch({ ...TEMPLATES, branch: 'feature/never', expectedSha: '0'.repeat(40) }));
    expect(stale).toMatchObject({ code: 'ERR_RESOURCE_CHANGED' });
    const noDiff = await failure(c.createPullRequest({ ...TEMPLATES, title: 'x', head: 'main', base: 'main' }));
    expect((noDiff as Error).message).toContain('Validation Failed: No commits between main and main');
  });

  it('never retries a write on 502, but retries a read', async () => {
    const c = client();
    sim.failNext(1, 502);
    expect(await failure(c.createIssue({ ...TEMPLATES, title: 'x' }))).toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE', status: 502 });
    expect(count('POST', '/repos/acme-net/network-templates/issues')).toBe(1);
    sim.failNext(1, 502);
    expect((await c.getRepository(TEMPLATES)).name).toBe('network-templates');
    expect(count('GET', '/repos/acme-net/network-templates')).toBe(2);
  });
});

describe('rate limits and credentials', () => {
  it('waits out a short secondary rate limit on a read (retry-after)', async () => {
    const c = client();
    sim.failNext(1, 403, { retryAfterSeconds: 1 });
    const started = Date.now();
    expect((await c.getRepository(TEMPLATES)).name).toBe('network-templates');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(count('GET', '/repos/acme-net/network-templates')).toBe(2);
    expect(logger.lines.some((l) => l.message.startsWith('github secondary rate limit; retrying in 1 s'))).toBe(true);
  });

  it('waits out a short primary rate limit on a read (x-ratelimit-reset)', async () => {
    const c = client();
    sim.failNext(1, 429, { rateLimitReset: Math.floor(Date.now() / 1000) + 1 });
    expect((await c.listIssues(TEMPLATES)).items.length).toBeGreaterThan(0);
    expect(count('GET', '/repos/acme-net/network-templates/issues')).toBe(2);
  });

  it('fails fast with retryAfterMs when the primary limit resets too late, without retrying', async () => {
    const c = client();
    sim.failNext(3, 403, { rateLimitReset: Math.floor(Date.now() / 1000) + 3600 });
    const err = await failure(c.getRepository(TEMPLATES));
    expect(err).toBeInstanceOf(UpstreamRateLimitedError);
    expect((err as UpstreamRateLimitedError).retryAfterMs).toBeGreaterThan(3_500_000);
    expect((err as UpstreamRateLimitedError).status).toBe(403);
    expect(count('GET', '/repos/acme-net/network-templates')).toBe(1);
    expect(c.breakerState()).toBe('closed');
  });

  it('never retries a write on a secondary rate limit', async () => {
    const c = client();
    sim.failNext(1, 403, { retryAfterSeconds: 1 });
    const err = await failure(c.createIssueComment({ ...TEMPLATES, issueNumber: 1, body: 'x' }));
    expect(err).toMatchObject({ code: 'ERR_UPSTREAM_RATE_LIMITED', retryAfterMs: 1000 });
    expect(count('POST', '/repos/acme-net/network-templates/issues/1/comments')).toBe(1);
  });

  it('maps 401 Bad credentials to ERR_UPSTREAM_AUTH, logs it, and picks up a rotated token', async () => {
    let current = 'ghp_stale';
    const c = client({ credentials: async () => ({ token: current }) });
    const err = await failure(c.getRepository(TEMPLATES));
    expect(err).toMatchObject({ code: 'ERR_UPSTREAM_AUTH', status: 401 });
    expect(logger.text()).toContain('github rejected the credentials');
    expect(count('GET', '/repos/acme-net/network-templates')).toBe(1);
    current = TOKEN;
    expect((await c.getRepository(TEMPLATES)).name).toBe('network-templates');
    expect(logger.text()).not.toContain('ghp_stale');
  });

  it('talks to a GitHub Enterprise Server style base URL path', async () => {
    // The simulator serves at its root; a GHES base URL is `https://host/api/v3`. What matters is
    // that the client keeps the base URL's path: a wrong one answers 404 from the simulator.
    const c = client({ baseUrl: `${sim.url}/api/v3` });
    expect(await failure(c.getRepository(TEMPLATES))).toMatchObject({ code: 'ERR_UPSTREAM_NOT_FOUND' });
    expect(sim.state.requests.at(-1)?.path).toBe('/api/v3/repos/acme-net/network-templates');
  });
});
