/**
 * The whole worker from its configuration — what `main.ts` runs (other packages' tests run
 * `main.ts` as a process, through test-support's `startDeployWorkerProcess`): activities' clients,
 * the credential verifier and replay ledger, the Temporal connections, the worker and its probe server.
 *
 * @module
 */
import type { PlatformLogger } from '@mcp-platform/mcp-common/logging';
import { createMetrics } from '@mcp-platform/mcp-common/metrics';
import { tokenVerifierFromConfig } from '@mcp-platform/mcp-common/server';
import type { Worker } from '@temporalio/worker';
import { createActivities, createIdentityActivities } from './activities/index.ts';
import type { WorkerConfig } from './config.ts';
import { connectClient } from '@mcp-platform/deployment-contract';
import { connectWorker } from './connection.ts';
import { buildDeps } from './deps.ts';
import { startHealthServer } from './health.ts';
import { createTemporalCredentialLedger } from './identity/ledger.ts';
import { createDeploymentWorker } from './worker.ts';

/** A started deploy worker. */
export interface RunningDeployWorker {
  /** The Temporal worker (its state backs `/readyz`). */
  readonly worker: Worker;
  /** Base URL of the probe server (`/healthz`, `/readyz`, `/metrics`). */
  readonly healthUrl: string;
  /** Settles when the worker stopped polling (after {@link RunningDeployWorker.stop} or a fatal error) and everything was released. */
  readonly done: Promise<void>;
  /** Drains the worker (running activities finish or time out), then closes connections and clients. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Builds and starts the worker from a parsed configuration. The Temporal `Runtime` (logger,
 * SDK metrics) is process-wide: install it first with `installTemporalRuntime` when you need it.
 *
 * @example
 * ```ts
 * const running = await startDeployWorker(loadConfig(process.env), logger);
 * process.once('SIGTERM', () => void running.stop());
 * await running.done;
 * ```
 */
export async function startDeployWorker(config: WorkerConfig, logger: PlatformLogger): Promise<RunningDeployWorker> {
  // One registry for the probe server's /metrics: activity counts, upstream and secret metrics.
  const metrics = createMetrics({ defaultLabels: { service: 'deploy-worker' } });
  const deps = await buildDeps(config, logger, metrics);
  const verifier = tokenVerifierFromConfig(config, config.DEPLOY_WORKER_AUDIENCE, logger);
  const connection = await connectWorker(config);
  const ledgerClient = await connectClient(config);
  const release = async () => {
    await Promise.allSettled([connection.close(), ledgerClient.connection.close(), deps.close()]);
  };
  let worker: Worker;
  try {
    worker = await createDeploymentWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities: { ...createActivities(deps), ...createIdentityActivities({ verifier, ledger: createTemporalCredentialLedger(ledgerClient, config.TEMPORAL_TASK_QUEUE), logger }) },
      ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } } : {}),
      maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      stickyTimeoutMs: config.WORKER_STICKY_TIMEOUT_MS,
      metrics,
    });
  } catch (err) {
    await release();
    throw err;
  }
  const health = await startHealthServer({ host: config.HEALTH_HOST, port: config.HEALTH_PORT, worker, logger, metrics });
  const done = worker.run().finally(async () => {
    await health.close();
    await release();
  });
  logger.info('deploy worker polling', { labels: { task_queue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, url: { full: config.TEMPORAL_ADDRESS } });
  return {
    worker,
    healthUrl: health.url,
    done,
    async stop() {
      // shutdown() throws once the worker is already stopping or stopped: stop() is idempotent.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
    },
  };
}
