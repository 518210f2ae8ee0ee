import { serviceNowFromConfig } from '@mcp-platform/connectors/servicenow';
import { bootstrapServer, type BootstrappedServer } from '@mcp-platform/mcp-common/server';
import { DEV_SECRETS, type ItsmConfig } from './config.ts';
import type { ItsmDeps } from './deps.ts';
import { itsmTools } from './tools/index.ts';

export const SERVICE = { name: 'mcp-itsm', version: '0.1.0' } as const;

/** Options for tests and embedders. */
export interface StartItsmServerOptions {
  /** Where ECS lines go. Default stdout. */
  logStream?: NodeJS.WritableStream;
}

/**
 * Starts mcp-itsm on the spine: ServiceNow client with credentials from the secret provider
 * (re-read once when ServiceNow rejects them), the incident and change tools, and everything
 * the spine adds.
 *
 * @example
 * ```ts
 * const server = await startItsmServer(loadConfig(process.env));
 * ```
 */
export function startItsmServer(config: ItsmConfig, options: StartItsmServerOptions = {}): Promise<BootstrappedServer<ItsmDeps>> {
  return bootstrapServer<ItsmDeps>({
    service: SERVICE,
    serverId: 'itsm',
    upstreamName: 'ServiceNow',
    config,
    tools: itsmTools,
    devSecrets: DEV_SECRETS,
    instructions:
      'IT service management on ServiceNow: search, read, open, update and resolve incidents; search, read and open change requests and move them ' +
      'through the change state model (new → assess → authorize → scheduled → implement → review → closed, or canceled). ' +
      'Approval (authorize → scheduled) is its own tool, approve_change_request. Pass a correlation_id when creating a ticket so a retried call returns the same ticket.',
    ...(options.logStream ? { logStream: options.logStream } : {}),
    buildDeps: ({ secrets, logger, metrics, readCache }) => {
      const servicenow = serviceNowFromConfig(config, { secrets, logger, observer: metrics.upstream, readCache: readCache('servicenow') });
      return { servicenow };
    },
    // Degraded mode: while ServiceNow's breaker is open, reads answer stale from the cache, writes are refused, /readyz says degraded.
    upstream: (deps) => ({ name: 'servicenow', breakerState: () => deps.servicenow.breakerState() }),
    closeDeps: (deps) => deps.servicenow.close(),
  });
}
