import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import { createMetrics, type PlatformMetrics } from '@mcp-platform/mcp-common/metrics';

/** What the health server asks about the worker (a Temporal `Worker` satisfies it). */
export interface WorkerStateSource {
  getState(): string;
}

/** A running health server. */
export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker serves no traffic, but orchestrators need probes: `/healthz` (the process
 * answers), `/readyz` (200 only while the Temporal worker is `RUNNING`, i.e. polling its
 * task queue), and `/metrics` (Node.js process metrics, activity counts, upstream and secret metrics; Prometheus format).
 *
 * @example
 * ```ts
 * const health = await startHealthServer({ host: '0.0.0.0', port: 8110, worker, logger });
 * ```
 */
export async function startHealthServer(options: { host: string; port: number; worker: WorkerStateSource; logger: Logger; metrics?: PlatformMetrics }): Promise<HealthServer> {
  const metrics = options.metrics ?? createMetrics({ defaultLabels: { service: 'deploy-worker' } });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
    if (path === '/healthz') return json(200, { status: 'ok', service: 'deploy-worker' });
    if (path === '/readyz') {
      const state = options.worker.getState();
      return json(state === 'RUNNING' ? 200 : 503, { status: state === 'RUNNING' ? 'ready' : 'not-ready', checks: { worker: state } });
    }
    if (path === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      });
      return undefined;
    }
    return json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  options.logger.info('deploy worker health endpoints listening', { url: { full: url } });
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
