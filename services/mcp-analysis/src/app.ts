import { catalystCenterFromConfig } from '@mcp-platform/connectors/catalyst-center';
import { bootstrapServer, type BootstrappedServer } from '@mcp-platform/mcp-common/server';
import { DEV_SECRETS, type AnalysisConfig } from './config.ts';
import type { AnalysisDeps } from './deps.ts';
import { analysisTools } from './tools/index.ts';

export const SERVICE = { name: 'mcp-analysis', version: '0.1.0' } as const;

/** Options for tests and embedders. */
export interface StartAnalysisServerOptions {
  /** Where ECS lines go. Default stdout. */
  logStream?: NodeJS.WritableStream;
}

/**
 * Starts mcp-analysis on the spine: the Catalyst Center client with credentials from the
 * secret provider (refetched once when Catalyst rejects them), the analysis tools, and
 * everything the spine adds.
 *
 * @example
 * ```ts
 * const server = await startAnalysisServer(loadConfig(process.env));
 * ```
 */
export function startAnalysisServer(config: AnalysisConfig, options: StartAnalysisServerOptions = {}): Promise<BootstrappedServer<AnalysisDeps>> {
  return bootstrapServer<AnalysisDeps>({
    service: SERVICE,
    serverId: 'analysis',
    upstreamName: 'Catalyst Center',
    config,
    tools: analysisTools,
    devSecrets: DEV_SECRETS,
    instructions:
      'Network analysis and troubleshooting on Cisco Catalyst Center: Assurance health (network, site, device, client) and issues with suggested actions, ' +
      'read-only show commands on devices (allow-listed, secrets redacted), interface counters, path trace between two hosts, and configuration changes. ' +
      'Typical flow: get_network_health → get_site_health → get_device_health / list_issues → get_issue → run_show_command or get_config_changes.',
    ...(options.logStream ? { logStream: options.logStream } : {}),
    buildDeps: ({ secrets, logger, metrics, readCache }) => {
      const catalyst = catalystCenterFromConfig(config, { secrets, logger, observer: metrics.upstream, readCache: readCache('catalyst-center') });
      return {
        catalyst,
        limits: {
          commandTimeoutSeconds: config.COMMAND_TIMEOUT_SECONDS,
          commandWaitMs: config.COMMAND_WAIT_MS,
          commandPollIntervalMs: config.COMMAND_POLL_INTERVAL_MS,
          maxDevices: config.COMMAND_MAX_DEVICES,
          fileMaxBytes: config.COMMAND_FILE_MAX_BYTES,
          outputMaxBytes: config.OUTPUT_MAX_BYTES,
          outputTotalMaxBytes: config.OUTPUT_TOTAL_MAX_BYTES,
          pathTraceWaitMs: config.PATH_TRACE_WAIT_MS,
          pathTracePollIntervalMs: config.PATH_TRACE_POLL_INTERVAL_MS,
        },
      };
    },
    // Degraded mode: while Catalyst Center's breaker is open, Assurance reads answer stale from the cache, commands and traces are refused, /readyz says degraded.
    upstream: (deps) => ({ name: 'catalyst-center', breakerState: () => deps.catalyst.breakerState() }),
    closeDeps: async (deps) => {
      await deps.catalyst.close();
    },
  });
}
