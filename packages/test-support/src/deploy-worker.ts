import { freeLoopbackPort } from '@mcp-platform/tooling/local';
import { serviceProcess, type ServiceProcess } from './service-process.ts';

/** Where {@link startDeployWorkerProcess} points the worker. */
export interface DeployWorkerProcessOptions {
  /** `host:port` of the Temporal frontend (a dev server's `address`). */
  temporalAddress: string;
  /** The task queue the MCP server under test starts its workflows on. */
  taskQueue: string;
  /** Issuer of the workflow credentials the worker verifies (the dev IdP's `issuer`). */
  issuer: string;
  /** Catalyst Center (simulator) base URL. */
  catalystUrl: string;
  /** ServiceNow (simulator) instance URL; the worker's DEV ONLY credentials are the simulator's defaults. */
  servicenowUrl: string;
  /** Extra environment (e.g. `OTEL_*`). */
  env?: Record<string, string>;
  /** How long the worker may take to poll (it bundles the workflows at start), in ms; default 180000. */
  startTimeoutMs?: number;
}

/**
 * The deploy worker as its own process (`services/deploy-worker/src/main.ts`, as under
 * `pnpm start`), with a clean environment: in-process Wasm policy, dev secrets, its probe server
 * on a free port. Resolves once `/readyz` answers 2xx, i.e. the worker polls `taskQueue`.
 * `stop()` sends SIGTERM (the worker drains) and SIGKILLs after 5 s.
 *
 * @example
 * ```ts
 * const worker = await startDeployWorkerProcess({ temporalAddress: temporal.address, taskQueue: 'network-tools', issuer: idp.issuer, catalystUrl: sim.url, servicenowUrl: itsm.url });
 * await worker.stop();
 * ```
 */
export async function startDeployWorkerProcess(options: DeployWorkerProcessOptions): Promise<ServiceProcess> {
  const healthPort = await freeLoopbackPort();
  const worker = serviceProcess(
    'deploy-worker',
    healthPort,
    {
      LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      OIDC_ISSUER: options.issuer,
      AUTHZ_MODE: 'wasm',
      ALLOW_DEV_SECRETS: 'true',
      CATALYST_BASE_URL: options.catalystUrl,
      SERVICENOW_INSTANCE_URL: options.servicenowUrl,
      ...options.env,
      HEALTH_PORT: String(healthPort),
    },
    { readyPath: '/readyz', startTimeoutMs: options.startTimeoutMs ?? 180_000 },
  );
  try {
    await worker.start();
  } catch (err) {
    await worker.stop();
    throw err;
  }
  return worker;
}
