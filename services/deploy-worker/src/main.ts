// Wiring only: config → logger → Temporal runtime → the worker (src/run.ts); drain on SIGTERM, then flush the spans.
import { telemetry } from './tracing.ts';
import { ConfigError } from '@mcp-platform/mcp-common/config';
import { createLogger } from '@mcp-platform/mcp-common/logging';
import { loadConfig } from './config.ts';
import { startDeployWorker } from './run.ts';
import { installTemporalRuntime } from './worker.ts';

try {
  const config = loadConfig(process.env);
  const logger = createLogger({ serviceName: 'deploy-worker', serviceVersion: '0.1.0', environment: config.SERVICE_ENVIRONMENT, level: config.LOG_LEVEL });
  installTemporalRuntime(logger, config.LOG_LEVEL === 'debug' ? 'info' : 'warn', config.TEMPORAL_METRICS_BIND_ADDRESS ? { metricsBindAddress: config.TEMPORAL_METRICS_BIND_ADDRESS } : {});
  const running = await startDeployWorker(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void running.stop());
  await running.done;
  // The batch span processor still holds the last workflow tasks' and activities' spans: export them before the process ends.
  await telemetry.shutdown().catch((error: unknown) => logger.warn('spans could not be flushed at stop', { error }));
  logger.info('deploy worker stopped');
  await logger.close();
} catch (err) {
  const message = err instanceof ConfigError ? err.message : `deploy-worker failed: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${JSON.stringify({ 'log.level': 'error', message, 'service.name': 'deploy-worker' })}\n`);
  process.exit(1);
}
