import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import type { DeploymentActivities } from './activities/index.ts';

/** The workflow bundle's entry (bundled by the worker; the code runs in Temporal's deterministic sandbox). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface DeploymentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: DeploymentActivities;
  /** A prebuilt bundle (`bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH })`); default: bundle at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Most activities run at once. Default 20. */
  maxConcurrentActivities?: number;
  /** How long sticky workflow tasks wait for this worker before going to any worker, in ms. Default 10000. */
  stickyTimeoutMs?: number;
}

/**
 * The deployment worker: the workflow bundle plus the given activities on one task queue.
 *
 * @example
 * ```ts
 * const worker = await createDeploymentWorker({ connection, namespace: 'default', taskQueue: 'template-deployments', activities });
 * await worker.run();
 * ```
 */
export function createDeploymentWorker(options: DeploymentWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 20,
    stickyQueueScheduleToStartTimeout: options.stickyTimeoutMs ?? 10_000,
  });
}

/**
 * Routes the Temporal SDK's own log lines (worker state, workflow `log`) into the ECS logger.
 * Call once per process, before creating connections.
 *
 * @example
 * ```ts
 * installTemporalLogging(logger, 'info');
 * ```
 */
export function installTemporalLogging(logger: Logger, level: 'error' | 'warn' | 'info' | 'debug'): void {
  const temporalLevel = level.toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(temporalLevel === ('ERROR' as LogLevel) ? 'ERROR' : temporalLevel, (entry) => {
      const fields = { labels: { temporal_source: 'sdk' }, temporal: entry.meta ?? {} };
      const method = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
      logger[method](entry.message, fields);
    }),
  });
}
