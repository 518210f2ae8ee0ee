// Wiring only: config → logger → clients → activities → Temporal connection → worker; drain on SIGTERM.
import { ConfigError } from '@mcp-platform/mcp-common/config';
import { createLogger } from '@mcp-platform/mcp-common/logging';
import { createActivities } from './activities/index.ts';
import { loadConfig } from './config.ts';
import { connectWorker } from './connection.ts';
import { buildDeps } from './deps.ts';
import { startHealthServer } from './health.ts';
import { createDeploymentWorker, installTemporalLogging } from './worker.ts';

try {
  const config = loadConfig(process.env);
  const logger = createLogger({ serviceName: 'deploy-worker', serviceVersion: '0.1.0', environment: config.SERVICE_ENVIRONMENT, level: config.LOG_LEVEL });
  installTemporalLogging(logger, config.LOG_LEVEL === 'debug' ? 'info' : 'warn');
  const deps = buildDeps(config, logger);
  const connection = await connectWorker(config);
  const worker = await createDeploymentWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: createActivities(deps),
    maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    stickyTimeoutMs: config.WORKER_STICKY_TIMEOUT_MS,
  });
  const health = await startHealthServer({ host: config.HEALTH_HOST, port: config.HEALTH_PORT, worker, logger });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => worker.shutdown());
  logger.info('deploy worker polling', { labels: { task_queue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, url: { full: config.TEMPORAL_ADDRESS } });
  await worker.run();
  await health.close();
  await connection.close();
  await deps.close();
  logger.info('deploy worker stopped');
  await logger.close();
} catch (err) {
  const message = err instanceof ConfigError ? err.message : `deploy-worker failed: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${JSON.stringify({ 'log.level': 'error', message, 'service.name': 'deploy-worker' })}\n`);
  process.exit(1);
}
