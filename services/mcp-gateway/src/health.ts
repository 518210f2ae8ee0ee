import type { BackendPool } from '@mcp-platform/mcp-common/client';
import type { Logger } from '@mcp-platform/mcp-common/logging';

/** Options of {@link createHealthMonitor}. */
export interface HealthMonitorOptions {
  pool: BackendPool;
  /** Probe period, in ms. */
  intervalMs: number;
  /**
   * Consecutive failed `/readyz` probes before an up backend drops out (default 2): one slow probe on a
   * busy machine is not an outage. A transport failure on a call drops it at once.
   */
  downAfter?: number;
  /** Called once per backend whose status changed (after the change is visible through `isUp`). */
  onChange: (backend: string, up: boolean) => void;
  logger: Logger;
}

/** Which backends are usable right now. */
export interface HealthMonitor {
  /** True when the backend's `/readyz` answers 200 (an open breaker lets the next call be its trial). */
  isUp(backend: string): boolean;
  /** Statuses by backend name. */
  snapshot(): Record<string, 'up' | 'down'>;
  /** Probes every backend now (also called by the timer); resolves when all answered. */
  probe(): Promise<void>;
  /** Marks a backend down at once (a call found it, and every other replica of it, unreachable); the next probe decides when it is back. */
  reportFailure(backend: string): void;
  /** Starts the periodic probe after a first full probe. */
  start(): Promise<void>;
  stop(): void;
}

/**
 * Health-based discovery: every backend's `/readyz` is probed every
 * `intervalMs`; a backend that failed `downAfter` probes in a row, or that a
 * call found unreachable, drops out of the gateway's tool lists and its tools answer
 * `ERR_UPSTREAM_UNAVAILABLE`, until a probe sees it ready again. Probes of
 * different backends run in parallel and never overlap themselves.
 *
 * @example
 * ```ts
 * const health = createHealthMonitor({ pool, intervalMs: 2_000, onChange: () => notify.toolsChanged(), logger });
 * await health.start();
 * ```
 */
export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const status = new Map<string, boolean>();
  const failedProbes = new Map<string, number>();
  const downAfter = Math.max(1, options.downAfter ?? 2);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const set = (name: string, up: boolean): void => {
    const before = status.get(name);
    status.set(name, up);
    if (before === up) return;
    options.logger.info(`backend ${name} is ${up ? 'up' : 'down'}`, { event: { action: 'backend-health', outcome: up ? 'success' : 'failure' }, labels: { backend: name } });
    // The first probe establishes the state; only later transitions are changes clients must hear about.
    if (before !== undefined) options.onChange(name, up);
  };

  const probe = (): Promise<void> =>
    (running ??= Promise.all(
      options.pool.list().map(async (b) => {
        const h = await b.health();
        // An open breaker alone does not take a backend out: if its /readyz answers, the next call is the
        // breaker's half-open trial (marking it down here would keep every call away, and it would never close).
        if (h.status === 'up') {
          failedProbes.set(b.name, 0);
          return set(b.name, true);
        }
        const failures = (failedProbes.get(b.name) ?? 0) + 1;
        failedProbes.set(b.name, failures);
        // Not yet known (first probe) or failed often enough: down.
        if (status.get(b.name) !== true || failures >= downAfter) set(b.name, false);
      }),
    )
      .then(() => undefined)
      .finally(() => {
        running = undefined;
      }));

  return {
    isUp: (name) => status.get(name) === true,
    snapshot: () => Object.fromEntries(options.pool.list().map((b) => [b.name, status.get(b.name) === true ? 'up' : 'down'])),
    probe,
    reportFailure: (name) => {
      // A backend with another replica still routable stays in: only the failed replica is out (the pool knows).
      if (options.pool.get(name)?.available()) return;
      failedProbes.set(name, downAfter);
      set(name, false);
    },
    async start() {
      await probe();
      timer = setInterval(() => void probe().catch((error: unknown) => options.logger.warn('health probe failed', { error })), options.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
