import { createHash, timingSafeEqual } from 'node:crypto';
import type { Express, Request } from 'express';
import type { PlatformMetrics } from '../metrics/index.ts';

/** The result of a readiness probe: every dependency check by name. */
export interface ReadinessReport {
  /** False when this replica must get no traffic (the probe answers 503). An MCP server's dependencies never make it false: they make it `degraded`. */
  ready: boolean;
  /** `degraded`: ready, but some dependency is down or only partly usable (see the checks). Default from `ready`. */
  status?: 'ready' | 'degraded' | 'not-ready';
  /** Per dependency: `true` usable, `false` down, `'degraded'` (e.g. an upstream answered from the cache, writes refused). */
  checks: Record<string, boolean | 'degraded'>;
}

/**
 * One readiness check within `timeoutMs`: its answer, or `false` when it throws or has not answered in
 * time — a hung dependency must not hang the probe with it.
 *
 * @example
 * ```ts
 * const up = await boundedCheck(() => authorizer.ready(), 2_000);
 * ```
 */
export function boundedCheck<T extends boolean | 'degraded'>(check: () => Promise<T>, timeoutMs: number): Promise<T | false> {
  return Promise.race([check().catch(() => false as const), new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref())]);
}

/** Who may read `/metrics` and the per-dependency detail of `/readyz`. */
export interface ManagementAccess {
  /** Bearer token for Prometheus and operators (`MANAGEMENT_TOKEN`). Unset: only loopback callers (when trusted). */
  token?: string;
  /** Treat loopback callers as trusted (local runs). Default true; set false behind a sidecar proxy (every request is loopback there). */
  trustLoopback?: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** True when `req` may see operational detail: the management token, or a trusted loopback caller. */
function isTrusted(req: Request, access: ManagementAccess): boolean {
  const header = req.headers.authorization;
  if (access.token !== undefined && header?.startsWith('Bearer ')) {
    // Equal-length digests: the comparison's time says nothing about the token.
    if (timingSafeEqual(digest(header.slice(7)), digest(access.token))) return true;
  }
  return (access.trustLoopback ?? true) && LOOPBACK.has(req.socket.remoteAddress ?? '');
}

/**
 * Mounts the operational endpoints every service serves: `/healthz` (the process answers),
 * `/readyz` (200 while the report is `ready` — `status: degraded` when a dependency is down or
 * only partly usable — else 503) and `/metrics`
 * (Prometheus text). Probes need only the status code, so anyone gets it; the
 * per-dependency detail of `/readyz` and `/metrics` are for trusted callers only
 * (the management token, or loopback when trusted) — others get `{ status }`
 * and a 404 on `/metrics`.
 *
 * @example
 * ```ts
 * mountOperationalRoutes(app, { service: { name: 'rest-proxy', version }, readiness, metrics, access: { token: config.MANAGEMENT_TOKEN } });
 * ```
 */
export function mountOperationalRoutes(
  app: Express,
  options: { service: { name: string; version: string }; readiness: () => Promise<ReadinessReport>; metrics: PlatformMetrics; access?: ManagementAccess },
): void {
  const access = options.access ?? {};
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service.name, version: options.service.version });
  });
  app.get('/readyz', async (req, res) => {
    const r = await options.readiness();
    res.status(r.ready ? 200 : 503).json({ status: r.status ?? (r.ready ? 'ready' : 'not-ready'), ...(isTrusted(req, access) ? { checks: r.checks } : {}) });
  });
  app.get('/metrics', async (req, res, next) => {
    if (!isTrusted(req, access)) return next();
    // Each scrape also records every dependency check (mcp_readiness_check), so alerts see a dependency down.
    const r = await options.readiness();
    for (const [check, ok] of Object.entries(r.checks)) options.metrics.readinessCheck.set({ check }, ok === true ? 1 : 0); // 'degraded' = the upstream is down
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
}
