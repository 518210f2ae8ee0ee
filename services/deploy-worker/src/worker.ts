import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type LogLevel, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import { createMetrics, type PlatformMetrics } from '@mcp-platform/mcp-common/metrics';
import { activityTelemetry } from './activity-telemetry.ts';
import type { DeploymentActivities } from './activities/index.ts';
import { WORKFLOW_TRACING_MODULES, tracingActivityInterceptors, workflowSpanSinks } from './workflow-telemetry.ts';

/** The workflow bundle's entry (bundled by the worker; the code runs in Temporal's deterministic sandbox). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/**
 * Bundles the workflow code (what the worker runs in its sandbox) into one file: done at image
 * build time (`pnpm --filter @mcp-platform/deploy-worker bundle`), so the worker starts without
 * webpack and every replica runs byte-identical workflow code (`WORKFLOW_BUNDLE_PATH`).
 *
 * @example
 * ```ts
 * await writeWorkflowBundle('dist/workflow-bundle.js');
 * ```
 */
export async function writeWorkflowBundle(path: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [...WORKFLOW_TRACING_MODULES], logger: quietBundlerLogger });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, code);
}

const quietBundlerLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

export interface DeploymentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: DeploymentActivities;
  /** A prebuilt bundle (`{ codePath: WORKFLOW_BUNDLE_PATH }`, written by {@link writeWorkflowBundle}, with {@link WORKFLOW_TRACING_MODULES}); default: bundle at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Most activities run at once. Default 20. */
  maxConcurrentActivities?: number;
  /** How long sticky workflow tasks wait for this worker before going to any worker, in ms. Default 10000. */
  stickyTimeoutMs?: number;
  /** Counts activity executions (`mcp_workflow_activities_total`). Default: a fresh registry. */
  metrics?: PlatformMetrics;
}

/**
 * The deployment worker: the workflow bundle plus the given activities on one task queue, traced
 * with OpenTelemetry (workflow-telemetry.ts) and counted in Prometheus metrics.
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
    // Traces (workflow-telemetry.ts): the workflow's spans from its sandbox, each activity in the trace that started the workflow.
    // A prebuilt bundle carries the workflow interceptors itself (writeWorkflowBundle).
    interceptors: {
      ...(options.workflowBundle ? {} : { workflowModules: [...WORKFLOW_TRACING_MODULES] }),
      activity: [tracingActivityInterceptors, activityTelemetry(options.metrics ?? createMetrics({ processMetrics: false }))],
    },
    sinks: workflowSpanSinks(),
  });
}

/**
 * Installs the Temporal runtime of this process: the SDK's own log lines (worker state, workflow
 * `log`) go into the ECS logger, and with `metricsBindAddress` (`host:port`) the SDK's metrics
 * (task slots, poll latencies, workflow/activity task counters — `temporal_*`) are served to
 * Prometheus at `http://<metricsBindAddress>/metrics`. Call once per process, before creating connections.
 *
 * @example
 * ```ts
 * installTemporalRuntime(logger, 'info', { metricsBindAddress: '0.0.0.0:9464' });
 * ```
 */
export function installTemporalRuntime(logger: Logger, level: 'error' | 'warn' | 'info' | 'debug', options: { metricsBindAddress?: string } = {}): void {
  const temporalLevel = level.toUpperCase() as LogLevel;
  Runtime.install({
    ...(options.metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } } : {}),
    logger: new DefaultLogger(temporalLevel === ('ERROR' as LogLevel) ? 'ERROR' : temporalLevel, (entry) => {
      const fields = { labels: { temporal_source: 'sdk' }, temporal: entry.meta ?? {} };
      const method = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
      logger[method](entry.message, fields);
    }),
  });
}
