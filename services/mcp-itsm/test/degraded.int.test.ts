import { SERVICENOW_SEED_IDS } from '@mcp-platform/sandboxes/servicenow';
import { describeDegradedMode } from '@mcp-platform/test-support/degraded-mode';
import { startHarness } from './harness.ts';

// Degraded mode on mcp-itsm (the shared contract, see describeDegradedMode): ServiceNow down, breaker open.
describeDegradedMode({
  server: 'mcp-itsm',
  upstream: { key: 'servicenow', label: 'ServiceNow' },
  start: () => startHarness(),
  breakerState: (server) => server.deps.servicenow.breakerState(),
  read: { user: 'sam', tool: 'get_incident', args: { incident: SERVICENOW_SEED_IDS.incident(1) } },
  uncachedRead: (i) => ({ user: 'sam', tool: 'search_incidents', args: { query: `never-cached-${i}` } }),
  write: { what: 'a write', user: 'sam', tool: 'update_incident', args: { incident: SERVICENOW_SEED_IDS.incident(1), work_note: 'Still investigating' } },
});
