import { Writable } from 'node:stream';
import { loadConfig, startDeployWorker, type RunningDeployWorker } from '@mcp-platform/deploy-worker/worker';
import { createLogger } from '@mcp-platform/mcp-common/logging';
import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import type { NetworkHarness } from './harness.ts';

/** The deploy worker in-process beside mcp-network's harness, with the ServiceNow simulator it needs. */
export interface InProcessWorker {
  worker: RunningDeployWorker;
  itsm: ServiceNowSimulator;
  /** Stops the worker, then the simulator. */
  stop(): Promise<void>;
}

/**
 * Starts the deploy worker as it runs in production (`src/run.ts`), in-process, against the
 * harness's IdP and Catalyst Center simulator, a fresh ServiceNow simulator and the given Temporal
 * server and task queue (the one mcp-network was started with). Logs at `warn`, into nothing.
 *
 * @example
 * ```ts
 * const w = await startInProcessWorker(h, { temporalAddress: temporal.address, taskQueue: 'network-tools' });
 * await w.stop();
 * ```
 */
export async function startInProcessWorker(h: NetworkHarness, options: { temporalAddress: string; taskQueue: string }): Promise<InProcessWorker> {
  // The worker's DEV ONLY ServiceNow credentials (ALLOW_DEV_SECRETS) are the simulator's defaults.
  const itsm = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'dev-only-servicenow-password' });
  const quiet = createLogger({ serviceName: 'deploy-worker', serviceVersion: 'test', level: 'warn', stream: new Writable({ write: (_chunk, _enc, done) => done() }) });
  const worker = await startDeployWorker(
    loadConfig({
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      OIDC_ISSUER: h.idp.issuer,
      AUTHZ_MODE: 'wasm',
      ALLOW_DEV_SECRETS: 'true',
      CATALYST_BASE_URL: h.sim.url,
      SERVICENOW_INSTANCE_URL: itsm.url,
      HEALTH_PORT: '0',
    }),
    quiet,
  ).catch(async (err: unknown) => {
    await itsm.stop();
    throw err;
  });
  return {
    worker,
    itsm,
    async stop() {
      await worker.stop();
      await itsm.stop();
    },
  };
}
