import type { Express } from 'express';
import type { PlatformMetrics } from '../metrics/index.ts';

/** The result of a readiness probe: every dependency check by name. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, boolean>;
}

/**
 * Mounts the operational endpoints every service serves: `/healthz` (the process answers),
 * `/readyz` (200 only when every dependency check passes, else 503 with the failing ones)
 * and `/metrics` (Prometheus text).
 *
 * @example
 * ```ts
 * mountOperationalRoutes(app, { service: { name: 'rest-proxy', version }, readiness, metrics });
 * ```
 */
export function mountOperationalRoutes(
  app: Express,
  options: { service: { name: string; version: string }; readiness: () => Promise<ReadinessReport>; metrics: PlatformMetrics },
): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service.name, version: options.service.version });
  });
  app.get('/readyz', async (_req, res) => {
    const r = await options.readiness();
    res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not-ready', checks: r.checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
}
