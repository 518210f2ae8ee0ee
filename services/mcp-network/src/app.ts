import { catalystCenterFromConfig } from '@mcp-platform/connectors/catalyst-center';
import { connectClient, createDeploymentClient } from '@mcp-platform/deployment-contract';
import { bootstrapServer, type BootstrappedServer } from '@mcp-platform/mcp-common/server';
import { DEV_SECRETS, type NetworkConfig } from './config.ts';
import { createWorkerDelegation } from './delegation.ts';
import { createDeploymentTaskBackend } from './tasks.ts';
import type { NetworkDeps } from './deps.ts';
import { deploymentWorkflowTools, networkTools } from './tools/index.ts';

export const SERVICE = { name: 'mcp-network', version: '0.1.0' } as const;

/** Options for tests and embedders. */
export interface StartNetworkServerOptions {
  /** Where ECS lines go. Default stdout. */
  logStream?: NodeJS.WritableStream;
}

/**
 * Starts mcp-network on the spine: Catalyst Center client with credentials from
 * the secret provider (refetched once when Catalyst rejects them), the seven
 * network tools, and everything the spine adds.
 *
 * @example
 * ```ts
 * const server = await startNetworkServer(loadConfig(process.env));
 * ```
 */
export function startNetworkServer(config: NetworkConfig, options: StartNetworkServerOptions = {}): Promise<BootstrappedServer<NetworkDeps>> {
  return bootstrapServer<NetworkDeps>({
    service: SERVICE,
    serverId: 'network',
    upstreamName: 'Catalyst Center',
    config,
    tools: config.TEMPORAL_ADDRESS !== undefined ? [...networkTools, ...deploymentWorkflowTools] : networkTools,
    devSecrets: DEV_SECRETS,
    instructions:
      'Network automation on Cisco Catalyst Center: inventory (devices, sites), configuration templates, and template deployment. ' +
      'Deployments are asynchronous: deploy_template returns a task id to follow with get_deployment_status ' +
      '(with the Tasks extension, a deployment to several non-CORE devices comes back as a durable task instead: follow it with tasks/get).',
    ...(options.logStream ? { logStream: options.logStream } : {}),
    // Workflow actions carry the caller's identity as a credential for the worker (RFC 8693), never a name.
    delegation: ({ logger }) =>
      config.TEMPORAL_ADDRESS === undefined
        ? undefined
        : createWorkerDelegation({
            issuer: config.OIDC_ISSUER,
            clientId: config.TOKEN_EXCHANGE_CLIENT_ID,
            clientSecret: config.TOKEN_EXCHANGE_CLIENT_SECRET,
            ...(config.TOKEN_EXCHANGE_SCOPE ? { scope: config.TOKEN_EXCHANGE_SCOPE } : {}),
            logger,
          }),
    // Deployments are tasks (SEP-2663) backed by their Temporal workflows.
    tasks: (deps) => (deps.deployments ? createDeploymentTaskBackend(deps.deployments, deps.workerAudience) : undefined),
    buildDeps: async ({ secrets, logger, metrics, readCache }) => {
      const catalyst = catalystCenterFromConfig(config, { secrets, logger, observer: metrics.upstream, readCache: readCache('catalyst-center') });
      const temporal = config.TEMPORAL_ADDRESS !== undefined ? await connectClient({ ...config, TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS }, { lazy: true }) : undefined;
      return {
        catalyst,
        maxDevicesPerDeploy: config.DEPLOY_MAX_DEVICES,
        workerAudience: config.DEPLOY_WORKER_AUDIENCE,
        ...(temporal
          ? {
              deployments: createDeploymentClient(temporal, config.TEMPORAL_TASK_QUEUE),
              workflowsReachable: () =>
                temporal.withDeadline(Date.now() + 1_000, () => temporal.workflowService.getSystemInfo({})).then(
                  () => true,
                  () => false,
                ),
            }
          : {}),
      };
    },
    upstream: (deps) => ({ name: 'catalyst-center', breakerState: () => deps.catalyst.breakerState() }),
    // Temporal down takes only the deployment workflow tools with it: degraded, not unready (reads go on).
    readiness: (deps): Record<string, () => Promise<boolean | 'degraded'>> => {
      const reachable = deps.workflowsReachable;
      return reachable ? { temporal: async () => ((await reachable()) ? true : 'degraded') } : {};
    },
    closeDeps: async (deps) => {
      await deps.catalyst.close();
      await deps.deployments?.close();
    },
  });
}
