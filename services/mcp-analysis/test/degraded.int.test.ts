import { SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
import { describeDegradedMode } from '@mcp-platform/test-support/degraded-mode';
import { startHarness } from './harness.ts';

// Degraded mode on mcp-analysis (the shared contract, see describeDegradedMode): Catalyst Center down (every Intent API call 503), breaker open;
// Assurance reads come from the cache, commands are refused.
describeDegradedMode({
  server: 'mcp-analysis',
  upstream: { key: 'catalyst-center', label: 'Catalyst Center' },
  // The outage path: every read must reach Catalyst Center to open the breaker, so the fresh window is off here
  // (it is tested in read-cache.int.test.ts).
  start: () => startHarness({ UPSTREAM_CACHE_FRESH_MS: '0' }),
  breakerState: (server) => server.deps.catalyst.breakerState(),
  read: { user: 'sam', tool: 'get_network_health', args: {} },
  uncachedRead: (i) => ({ user: 'sam', tool: 'get_site_health', args: { site_type: i % 2 === 0 ? 'AREA' : 'BUILDING' } }),
  write: { what: 'a command (execute)', user: 'sam', tool: 'run_show_command', args: { command: 'show version', device_ids: [SEED_IDS.devices.sjc01Acc01] } },
});
