import { describeDegradedMode } from '@mcp-platform/test-support/degraded-mode';
import { startHarness } from './harness.ts';

// Degraded mode on mcp-github (the shared contract, see describeDegradedMode): GitHub down, breaker open.
describeDegradedMode({
  server: 'mcp-github',
  upstream: { key: 'github', label: 'GitHub' },
  start: () => startHarness(),
  breakerState: (server) => server.deps.github.breakerState(),
  read: { user: 'dave', tool: 'get_pull_request', args: { owner: 'acme-net', repo: 'network-templates', pull_number: 4 } },
  uncachedRead: (i) => ({ user: 'dave', tool: 'get_file', args: { owner: 'acme-net', repo: 'network-templates', path: `never-cached-${i}.txt` } }),
  write: { what: 'a write', user: 'alice', tool: 'create_issue', args: { owner: 'acme-net', repo: 'network-templates', title: 'Written while GitHub is down' } },
});
