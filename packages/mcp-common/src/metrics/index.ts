import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState, UpstreamObserver } from '../resilience/policy.ts';

/** The platform's Prometheus metrics, on a registry of their own (one per app). */
export interface PlatformMetrics {
  readonly registry: Registry;
  /** `mcp_tool_calls_total{server,tool,outcome}`; outcome is `success`, `error` or `denied`. */
  readonly toolCalls: Counter<'server' | 'tool' | 'outcome'>;
  /** `mcp_tool_call_duration_seconds{server,tool}`. */
  readonly toolCallDuration: Histogram<'server' | 'tool'>;
  /** `mcp_authz_decisions_total{server,tool,decision}`; decision is `allow`, `deny` or `error`. */
  readonly authzDecisions: Counter<'server' | 'tool' | 'decision'>;
  /** `mcp_auth_failures_total{server,reason}`. */
  readonly authFailures: Counter<'server' | 'reason'>;
  /** `mcp_secret_reads_total{secret,source,outcome}`. */
  readonly secretReads: Counter<'secret' | 'source' | 'outcome'>;
  /** `mcp_http_requests_total{route,status}`. */
  readonly httpRequests: Counter<'route' | 'status'>;
  /** `mcp_limit_refusals_total{reason}`; reason is `rate`, `concurrency` or `overload` (requests refused by the limits). */
  readonly limitRefusals: Counter<'reason'>;
  /** `mcp_http_request_duration_seconds{route,status}`: from request to response finished. */
  readonly httpRequestDuration: Histogram<'route' | 'status'>;
  /** `mcp_authz_decision_duration_seconds{server}`: one policy decision (engine + audit). */
  readonly authzDecisionDuration: Histogram<'server'>;
  /** `mcp_upstream_request_duration_seconds{upstream,outcome}`: one upstream call, retries included; outcome `success` or an error code. */
  readonly upstreamDuration: Histogram<'upstream' | 'outcome'>;
  /** `mcp_upstream_breaker_state{upstream}`: 0 closed, 1 half-open, 2 open. */
  readonly upstreamBreakerState: Gauge<'upstream'>;
  /** `mcp_readiness_check{check}`: 1 when the dependency check passed at the last scrape, else 0 (`identity-provider`, `secrets`, `authorizer`, upstreams…). */
  readonly readinessCheck: Gauge<'check'>;
  /** `mcp_workflow_activities_total{activity,outcome}`: activities the deploy worker ran (steps of deployment workflows). */
  readonly workflowActivities: Counter<'activity' | 'outcome'>;
  /** `mcp_workflow_activity_duration_seconds{activity}`. */
  readonly workflowActivityDuration: Histogram<'activity'>;
  /** Feeds `upstreamDuration` and `upstreamBreakerState`; pass it as an upstream policy's `observer`. */
  readonly upstream: UpstreamObserver;
  /** `mcp_dispatch_total{path}`; path is `fast` (the spine's tools/call + tools/list path) or `sdk` (every other MCP request). */
  readonly mcpDispatch: Counter<'path'>;
}

/** `mcp_upstream_breaker_state` values. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Options of {@link createMetrics}. */
export interface CreateMetricsOptions {
  /** Collect Node.js process metrics (`process_*`, `nodejs_*`). Default true. */
  processMetrics?: boolean;
  /** Labels on every series, e.g. `{ service: 'mcp-network' }`. */
  defaultLabels?: Record<string, string>;
}

/**
 * Creates the metrics of one server on a fresh registry, so that several apps in one
 * process (tests, benchmarks) never collide.
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ defaultLabels: { service: 'mcp-network' } });
 * metrics.toolCalls.inc({ server: 'network', tool: 'list_devices', outcome: 'success' });
 * res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
 * ```
 */
export function createMetrics(options: CreateMetricsOptions = {}): PlatformMetrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const upstreamDuration = new Histogram({
    name: 'mcp_upstream_request_duration_seconds',
    help: 'Upstream API calls (retries included) by outcome',
    labelNames: ['upstream', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const upstreamBreakerState = new Gauge({
    name: 'mcp_upstream_breaker_state',
    help: 'Circuit breaker of each upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  return {
    registry,
    upstreamDuration,
    upstreamBreakerState,
    upstream: {
      call: (upstream, outcome, seconds) => upstreamDuration.observe({ upstream, outcome }, seconds),
      breaker: (upstream, state) => upstreamBreakerState.set({ upstream }, BREAKER_STATE_VALUE[state]),
    },
    workflowActivities: new Counter({
      name: 'mcp_workflow_activities_total',
      help: 'Workflow activities executed by the worker, by outcome (success or an error code)',
      labelNames: ['activity', 'outcome'] as const,
      registers: [registry],
    }),
    workflowActivityDuration: new Histogram({
      name: 'mcp_workflow_activity_duration_seconds',
      help: 'Workflow activity execution time',
      labelNames: ['activity'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    readinessCheck: new Gauge({
      name: 'mcp_readiness_check',
      help: 'Dependency checks of /readyz, evaluated at each scrape: 1 passed, 0 failed',
      labelNames: ['check'] as const,
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'mcp_http_request_duration_seconds',
      help: 'HTTP requests by route and status, from arrival to the response finished',
      labelNames: ['route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    authzDecisionDuration: new Histogram({
      name: 'mcp_authz_decision_duration_seconds',
      help: 'Policy decisions on tool calls (engine and audit)',
      labelNames: ['server'] as const,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    toolCalls: new Counter({
      name: 'mcp_tool_calls_total',
      help: 'MCP tool calls by outcome',
      labelNames: ['server', 'tool', 'outcome'] as const,
      registers: [registry],
    }),
    toolCallDuration: new Histogram({
      name: 'mcp_tool_call_duration_seconds',
      help: 'MCP tool call latency, from authorization to result',
      labelNames: ['server', 'tool'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    authzDecisions: new Counter({
      name: 'mcp_authz_decisions_total',
      help: 'Authorization decisions on tool calls',
      labelNames: ['server', 'tool', 'decision'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'mcp_auth_failures_total',
      help: 'Rejected bearer tokens by reason',
      labelNames: ['server', 'reason'] as const,
      registers: [registry],
    }),
    secretReads: new Counter({
      name: 'mcp_secret_reads_total',
      help: 'Secret reads by source and outcome',
      labelNames: ['secret', 'source', 'outcome'] as const,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'mcp_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    limitRefusals: new Counter({
      name: 'mcp_limit_refusals_total',
      help: 'Requests refused by the per-principal rate limit, the per-principal concurrency cap or the global in-flight cap',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    mcpDispatch: new Counter({
      name: 'mcp_dispatch_total',
      help: 'Authenticated MCP requests by the path that served them: the spine fast path or the SDK',
      labelNames: ['path'] as const,
      registers: [registry],
    }),
  };
}
