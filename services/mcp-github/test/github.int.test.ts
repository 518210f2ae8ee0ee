import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMcpAuthEdges } from '@mcp-platform/test-support';
import { startHarness, type GitHubHarness } from './harness.ts';

let h: GitHubHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const call = async (user: string, name: string, args: Record<string, unknown>) => (await (await h.client(user)).callTool({ name, arguments: args })) as CallToolResult;
const writes = () => h.sim.state.requests.filter((r) => r.method !== 'GET').length;
const TEMPLATES = { owner: 'acme-net', repo: 'network-templates' };
const ALL_TOOLS = [
  'add_issue_comment',
  'commit_file',
  'create_branch',
  'create_issue',
  'create_pull_request',
  'get_file',
  'get_issue',
  'get_pull_request',
  'list_issues',
  'list_pull_requests',
  'list_repositories',
  'search_code',
  'search_issues',
];
const WRITE_TOOLS = ['add_issue_comment', 'commit_file', 'create_branch', 'create_issue', 'create_pull_request'];

describe('mcp-github through the whole spine', () => {
  it('shows each caller only the tools policy lets them call', async () => {
    const names = async (user: string) => (await (await h.client(user)).listTools()).tools.map((t) => t.name).sort();
    expect(await names('dave')).toEqual(ALL_TOOLS);
    expect(await names('alice')).toEqual(ALL_TOOLS);
    expect(await names('nina')).toEqual(ALL_TOOLS.filter((n) => !WRITE_TOOLS.includes(n)));
    expect(await names('sam')).toEqual([]);
    expect(await names('eve')).toEqual([]);
  });

  it('lists tools with output schemas and annotations', async () => {
    const { tools } = await (await h.client('dave')).listTools();
    expect(tools.every((t) => t.title && t.description && t.outputSchema)).toBe(true);
    expect(tools.find((t) => t.name === 'commit_file')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(tools.find((t) => t.name === 'get_file')?.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
  });

  it('lets a developer list repositories, read a template, branch, commit and open a pull request', async () => {
    const repos = await call('dave', 'list_repositories', { org: 'acme-net' });
    expect(repos.isError).toBeFalsy();
    const list = repos.structuredContent as { repositories: { full_name: string; default_branch: string }[]; truncated: boolean };
    expect(list.repositories.map((r) => r.full_name)).toEqual(['acme-net/network-templates', 'acme-net/netops-scripts']);
    expect(text(repos)).toContain('acme-net/network-templates (private, default branch main');

    const file = await call('dave', 'get_file', { ...TEMPLATES, path: 'templates/branch/ntp.j2' });
    expect(file.isError).toBeFalsy();
    const f = file.structuredContent as { content: string; sha: string };
    expect(f.content).toContain('ntp server {{ server }}');

    const mainBefore = h.sim.state.git.get('acme-net/network-templates')?.refs.get('main');
    const branch = await call('dave', 'create_branch', { ...TEMPLATES, branch: 'feature/ntp-ipv6' });
    expect(branch.isError).toBeFalsy();
    expect(branch.structuredContent).toMatchObject({ branch: 'feature/ntp-ipv6', from: 'main', sha: mainBefore });

    const newContent = `${f.content}{% for server in ntp_servers_v6 %}\nntp server {{ server }}\n{% endfor %}\n`;
    const commit = await call('dave', 'commit_file', { ...TEMPLATES, branch: 'feature/ntp-ipv6', path: 'templates/branch/ntp.j2', content: newContent, message: 'NTP: IPv6 servers', sha: f.sha });
    expect(commit.isError).toBeFalsy();
    expect(commit.structuredContent).toMatchObject({ created: false, branch: 'feature/ntp-ipv6' });

    const pr = await call('dave', 'create_pull_request', { ...TEMPLATES, title: 'NTP: IPv6 servers', head: 'feature/ntp-ipv6', body: 'Closes #1' });
    expect(pr.isError).toBeFalsy();
    const opened = (pr.structuredContent as { pull_request: { number: number; base: string; head: string } }).pull_request;
    expect(opened).toMatchObject({ base: 'main', head: 'feature/ntp-ipv6' });

    const git = h.sim.state.git.get('acme-net/network-templates');
    expect(git?.refs.get('main')).toBe(mainBefore);
    expect(git?.commits.get(git.refs.get('feature/ntp-ipv6') ?? '')?.tree['templates/branch/ntp.j2']).toBe(newContent);
    expect(h.sim.state.pulls.find((p) => p.number === opened.number)).toMatchObject({ repo: 'acme-net/network-templates', head: 'feature/ntp-ipv6', base: 'main' });

    const got = await call('nina', 'get_pull_request', { ...TEMPLATES, pull_number: opened.number });
    expect((got.structuredContent as { pull_request: { changed_files: number } }).pull_request.changed_files).toBe(1);
  });

  it('creates a branch with compare-and-set on the source SHA, and retried creates of a branch or pull request return the first', async () => {
    const git = h.sim.state.git.get('acme-net/network-templates');
    const main = git?.refs.get('main') ?? '';
    const stale = '0'.repeat(40);
    const writesBefore = writes();
    const moved = await call('dave', 'create_branch', { ...TEMPLATES, branch: 'feature/cas-stale', from_sha: stale });
    expect(moved.isError).toBe(true);
    expect(moved._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_RESOURCE_CHANGED', retryable: true });
    expect(git?.refs.has('feature/cas-stale')).toBe(false);
    expect(writes()).toBe(writesBefore);

    const first = await call('dave', 'create_branch', { ...TEMPLATES, branch: 'feature/cas', from_sha: main });
    expect(first.structuredContent).toMatchObject({ branch: 'feature/cas', sha: main, created: true });
    const retry = await call('dave', 'create_branch', { ...TEMPLATES, branch: 'feature/cas', from_sha: main });
    expect(retry.isError, text(retry)).toBeFalsy();
    expect(retry.structuredContent).toMatchObject({ branch: 'feature/cas', sha: main, created: false });
    // Same name at another commit: refused, the existing branch untouched.
    const commit = await call('dave', 'commit_file', { ...TEMPLATES, branch: 'feature/cas', path: 'notes/cas.txt', content: 'x\n', message: 'move the branch' });
    expect(commit.isError, text(commit)).toBeFalsy();
    const movedHead = git?.refs.get('feature/cas');
    const clash = await call('dave', 'create_branch', { ...TEMPLATES, branch: 'feature/cas' });
    expect(clash.isError).toBe(true);
    expect(text(clash)).toBe(`branch: feature/cas already exists at another commit (${String(movedHead).slice(0, 7)})`);
    expect(git?.refs.get('feature/cas')).toBe(movedHead);

    const pulls = h.sim.state.pulls.length;
    const pr = { ...TEMPLATES, title: 'CAS notes', head: 'feature/cas' };
    const [p1, p2] = await Promise.all([call('dave', 'create_pull_request', pr), call('dave', 'create_pull_request', pr)]);
    const opened = [p1, p2].map((r) => r.structuredContent as { pull_request: { number: number }; created: boolean });
    expect(new Set(opened.map((o) => o.pull_request.number)).size).toBe(1);
    expect(opened.map((o) => o.created).sort()).toEqual([false, true]);
    expect(h.sim.state.pulls.length).toBe(pulls + 1);
  });

  it('denies a commit to the default branch, and nothing reaches GitHub', async () => {
    const before = writes();
    const mainBefore = h.sim.state.git.get('acme-net/network-templates')?.refs.get('main');
    const r = await call('dave', 'commit_file', { ...TEMPLATES, branch: 'main', path: 'README.md', content: 'x', message: 'direct' });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('Permission denied: writing to the default branch main directly is not allowed; use a branch and a pull request.');
    expect(r._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_AUTHZ_DENIED' });
    expect(writes()).toBe(before);
    expect(h.sim.state.git.get('acme-net/network-templates')?.refs.get('main')).toBe(mainBefore);
    // An admin is held to the same rule; a repository whose default branch is not "main" is checked against its own.
    expect((await call('alice', 'commit_file', { ...TEMPLATES, branch: 'main', path: 'README.md', content: 'x', message: 'direct' })).isError).toBe(true);
    const portal = await call('dave', 'commit_file', { owner: 'acme-apps', repo: 'web-portal', branch: 'develop', path: 'README.md', content: 'x', message: 'direct' });
    expect(text(portal)).toContain('default branch develop');
    expect(writes()).toBe(before);
  });

  it('denies writes to an organization outside the allowed list, but allows reading it', async () => {
    const before = writes();
    const r = await call('dave', 'create_issue', { owner: 'acme-legacy', repo: 'mainframe-bridge', title: 'Please migrate' });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('Permission denied: writes to GitHub organization acme-legacy are not allowed.');
    const branch = await call('dave', 'create_branch', { owner: 'acme-legacy', repo: 'mainframe-bridge', branch: 'feature/x' });
    expect(text(branch)).toContain('acme-legacy are not allowed');
    expect(writes()).toBe(before);
    const read = await call('dave', 'get_file', { owner: 'acme-legacy', repo: 'mainframe-bridge', path: 'README.md' });
    expect(read.isError).toBeFalsy();
  });

  it('lets network engineers read but not write, and service-desk nothing', async () => {
    const read = await call('nina', 'search_code', { query: 'interface org:acme-net' });
    expect(read.isError).toBeFalsy();
    expect((read.structuredContent as { hits: { path: string }[] }).hits.map((x) => x.path)).toContain('templates/access/interface-description.vtl');
    const write = await call('nina', 'create_issue', { ...TEMPLATES, title: 'x' });
    expect(text(write)).toMatch(/^Permission denied: no group of the subject grants write on server github/);
    const sam = await call('sam', 'list_repositories', {});
    expect(sam.isError).toBe(true);
    expect(text(sam)).toContain('Permission denied');
  });

  it('works issues: search, list, get with comments, create, comment', async () => {
    const found = await call('dave', 'search_issues', { query: 'is:issue is:open label:bug org:acme-apps' });
    expect((found.structuredContent as { items: { number: number }[] }).items.map((i) => i.number)).toEqual([1]);
    const listed = await call('dave', 'list_issues', { ...TEMPLATES, state: 'all', limit: 2 });
    const page = listed.structuredContent as { issues: { number: number }[]; truncated: boolean };
    expect(page.issues).toHaveLength(2);
    expect(page.truncated).toBe(true);
    const issue = await call('dave', 'get_issue', { ...TEMPLATES, issue_number: 1 });
    expect((issue.structuredContent as { comments: unknown[] }).comments).toHaveLength(2);
    const created = await call('dave', 'create_issue', { owner: 'acme-apps', repo: 'payments-api', title: 'Retry budget', labels: ['bug'] });
    const n = (created.structuredContent as { issue: { number: number } }).issue.number;
    const comment = await call('dave', 'add_issue_comment', { owner: 'acme-apps', repo: 'payments-api', issue_number: n, body: 'Investigating.' });
    expect(comment.isError).toBeFalsy();
    // The idempotency key rides along as an HTML comment (invisible on GitHub), never in what the caller gets back.
    expect(h.sim.state.comments.at(-1)).toMatchObject({ repo: 'acme-apps/payments-api', issueNumber: n, body: expect.stringMatching(/^Investigating\.\n\n<!-- mcp-platform:idempotency-key auto-[0-9a-f]{32}-\w+ -->$/) });
    expect(comment.structuredContent).toMatchObject({ comment: { body: 'Investigating.' }, created: true });
  });

  it('creates are idempotent by default: a retry or a concurrent duplicate returns the first issue or comment; other arguments or another caller create anew', async () => {
    const repoArgs = { owner: 'acme-apps', repo: 'payments-api' };
    const args = { ...repoArgs, title: `Flaky deploy ${String(Date.now())}`, body: 'Seen twice today.' };
    const issuesNamed = (title: string) => h.sim.state.issues.filter((i) => i.repo === 'acme-apps/payments-api' && i.title === title);
    // Six identical calls at once (a client retrying after lost answers): one issue.
    const results = await Promise.all(Array.from({ length: 6 }, () => call('dave', 'create_issue', args)));
    expect(results.every((r) => !r.isError)).toBe(true);
    const numbers = new Set(results.map((r) => (r.structuredContent as { issue: { number: number } }).issue.number));
    expect(numbers.size).toBe(1);
    expect(results.filter((r) => (r.structuredContent as { created: boolean }).created)).toHaveLength(1);
    expect(issuesNamed(args.title)).toHaveLength(1);
    const again = await call('dave', 'create_issue', args);
    expect(again.structuredContent).toMatchObject({ created: false, issue: { number: [...numbers][0], body: 'Seen twice today.' } });
    // Different arguments, or the same arguments from another person, are a new issue.
    expect((await call('dave', 'create_issue', { ...args, body: 'Seen three times.' })).structuredContent).toMatchObject({ created: true });
    expect((await call('alice', 'create_issue', args)).structuredContent).toMatchObject({ created: true });
    expect(issuesNamed(args.title)).toHaveLength(3);

    const n = [...numbers][0]!;
    const comments = await Promise.all(Array.from({ length: 4 }, () => call('dave', 'add_issue_comment', { ...repoArgs, issue_number: n, body: 'Rolling back.' })));
    expect(new Set(comments.map((r) => (r.structuredContent as { comment: { id: number } }).comment.id)).size).toBe(1);
    expect(h.sim.state.comments.filter((c) => c.issueNumber === n && c.repo === 'acme-apps/payments-api')).toHaveLength(1);
  });

  it('surfaces a long primary rate limit as a clear retryable error without hammering GitHub', async () => {
    const before = h.sim.state.requests.length;
    h.sim.failNext(5, 403, { rateLimitReset: Math.floor(Date.now() / 1000) + 1800 });
    const r = await call('dave', 'list_pull_requests', TEMPLATES);
    h.sim.failNext(0, 503);
    expect(r.isError).toBe(true);
    // The reset is 30 minutes away: the caller is told when to come back.
    expect(text(r)).toMatch(/^GitHub is rate limiting requests; try again in (1[78]\d\d|1800) s\.$/);
    const meta = r._meta?.['io.mcp-platform/error'] as { code: string; retryable: boolean; retryAfterMs: number };
    expect(meta).toMatchObject({ code: 'ERR_UPSTREAM_RATE_LIMITED', retryable: true });
    expect(meta.retryAfterMs).toBeGreaterThan(1_700_000);
    expect(h.sim.state.requests.length - before).toBe(1);
    // The breaker does not count rate limits: the next call goes through.
    expect((await call('dave', 'list_pull_requests', TEMPLATES)).isError).toBeFalsy();
  });

  it('waits out a short secondary rate limit on a read', async () => {
    h.sim.failNext(1, 403, { retryAfterSeconds: 1 });
    const r = await call('dave', 'get_pull_request', { ...TEMPLATES, pull_number: 4 });
    expect(r.isError).toBeFalsy();
  });

  it('rejects bad arguments with a message naming the field, before any policy or upstream call', async () => {
    const r = await call('dave', 'commit_file', { ...TEMPLATES, branch: 'refs/heads/main', path: 'a', content: 'x', message: 'm' });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('branch');
    const traversal = await call('dave', 'get_file', { ...TEMPLATES, path: '../secrets' });
    expect(text(traversal)).toContain('path');
  });

  it('refuses lone surrogates and whitespace-only path/query as validation errors naming the field (not internal errors), and nothing reaches GitHub', async () => {
    const requests = h.sim.state.requests.length;
    const cases: [string, Record<string, unknown>, string][] = [
      ['get_file', { ...TEMPLATES, path: 'templates/\ud800.j2' }, 'path: is not valid Unicode (lone surrogate)'],
      ['get_file', { ...TEMPLATES, path: '   ' }, 'path: must not be blank (whitespace only)'],
      ['search_code', { query: '\t ' }, 'query: must not be blank (whitespace only)'],
      ['search_code', { query: 'ntp \udfff' }, 'query: is not valid Unicode (lone surrogate)'],
      ['commit_file', { ...TEMPLATES, branch: 'feature/x', path: 'a.txt', content: '\n', message: '  ' }, 'message: must not be blank (whitespace only)'],
    ];
    for (const [name, args, message] of cases) {
      const r = await call('dave', name, args);
      expect(r.isError, message).toBe(true);
      expect(text(r)).toBe(message);
      expect(r._meta?.['io.mcp-platform/error']).toEqual({ code: 'ERR_VALIDATION', retryable: false });
    }
    expect(h.sim.state.requests.length).toBe(requests);
  });

  it('reports an upstream 404 with GitHub’s message', async () => {
    const r = await call('dave', 'get_file', { ...TEMPLATES, path: 'does/not/exist.txt' });
    expect(r.isError).toBe(true);
    expect(r._meta?.['io.mcp-platform/error']).toMatchObject({ code: 'ERR_UPSTREAM_NOT_FOUND' });
    expect(text(r)).toBe('github: not found (Not Found)');
  });

  it('re-reads the credential once when GitHub rejects it', async () => {
    const rejectedBefore = h.sim.state.requests.filter((x) => x.status === 401).length;
    h.sim.setToken('rotated-token');
    const r = await call('dave', 'get_issue', { ...TEMPLATES, issue_number: 2, comment_limit: 0 });
    h.sim.setToken('dev-only-github-token');
    expect(r.isError).toBe(true);
    expect(text(r)).toBe("GitHub rejected the platform's credentials; an operator must rotate them.");
    expect(h.sim.state.requests.filter((x) => x.status === 401).length - rejectedBefore).toBe(2);
  });

  it('writes ECS lines with audit events, and no token anywhere', async () => {
    const calls = h.logs.filter((l) => (l['event'] as Record<string, unknown>)?.['action'] === 'tool-call');
    expect(calls.length).toBeGreaterThan(10);
    for (const line of h.logs) expect(line['service']).toMatchObject({ name: 'mcp-github', version: '0.1.0' });
    const denied = h.logs.filter((l) => (l['event'] as Record<string, unknown>)?.['action'] === 'authz-decision' && (l['event'] as Record<string, unknown>)['outcome'] === 'failure');
    expect(denied.length).toBeGreaterThan(0);
    const raw = h.rawLogs();
    expect(raw).not.toContain('dev-only-github-token');
    expect(raw).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    const ready = await fetch(new URL('/readyz', h.server.url));
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { github: true } });
  });
});

// Last: the probe stops the IdP.
describe('auth edges (same on every surface)', () => {
  it('answers no credentials with a 401 challenge naming no error, a missing scope with 403, and an unreachable IdP with 503 + Retry-After', async () => {
    await expectMcpAuthEdges(h);
  });
});
