import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { startDeployWorkerProcess, type ServiceProcess } from '@mcp-platform/test-support';
import type { NetworkHarness } from './harness.ts';

/** The deploy worker beside mcp-network's harness, with the ServiceNow simulator it needs. */
export interface HarnessWorker {
  worker: ServiceProcess;
  itsm: ServiceNowSimulator;
  /** Stops the worker, then the simulator. */
  stop(): Promise<void>;
}

/**
 * Starts the deploy worker as its own process (test-support's `startDeployWorkerProcess`, the one
 * way every package's tests run it) against the harness's IdP and Catalyst Center simulator, a fresh
 * ServiceNow simulator and the given Temporal server and task queue (the one mcp-network was started with).
 *
 * @example
 * ```ts
 * const w = await startHarnessWorker(h, { temporalAddress: temporal.address, taskQueue: 'network-tools' });
 * await w.stop();
 * ```
 */
export async function startHarnessWorker(h: NetworkHarness, options: { temporalAddress: string; taskQueue: string; env?: Record<string, string> }): Promise<HarnessWorker> {
  // The worker's DEV ONLY ServiceNow credentials (ALLOW_DEV_SECRETS) are the simulator's defaults.
  const itsm = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'dev-only-servicenow-password' });
  const worker = await startDeployWorkerProcess({
    temporalAddress: options.temporalAddress,
    taskQueue: options.taskQueue,
    issuer: h.idp.issuer,
    catalystUrl: h.sim.url,
    servicenowUrl: itsm.url,
    ...(options.env === undefined ? {} : { env: options.env }),
  }).catch(async (err: unknown) => {
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
