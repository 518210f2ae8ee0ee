import type { AnyToolDefinition } from '@mcp-platform/mcp-common/server';
import type { AnalysisDeps } from '../deps.ts';
import { getClientHealth } from './get_client_health.ts';
import { getConfigChanges } from './get_config_changes.ts';
import { getDeviceHealth } from './get_device_health.ts';
import { getInterfaceCounters } from './get_interface_counters.ts';
import { getIssue } from './get_issue.ts';
import { getNetworkHealth } from './get_network_health.ts';
import { getPathTrace } from './get_path_trace.ts';
import { getSiteHealth } from './get_site_health.ts';
import { listIssues } from './list_issues.ts';
import { runShowCommand } from './run_show_command.ts';
import { startPathTrace } from './start_path_trace.ts';

/** Every tool of mcp-analysis, in the order `tools/list` shows them. */
export const analysisTools: AnyToolDefinition<AnalysisDeps>[] = [
  getNetworkHealth,
  getSiteHealth,
  getDeviceHealth,
  getClientHealth,
  listIssues,
  getIssue,
  runShowCommand,
  getInterfaceCounters,
  startPathTrace,
  getPathTrace,
  getConfigChanges,
];
