import { originValidation } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpServerFactory, type OAuthTokenVerifier, type ServerNotifier } from '@modelcontextprotocol/server';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createAuthRouter, principalFromAuthInfo, stepUpChallenge } from '../auth/index.ts';
import type { Authorizer } from '../authz/index.ts';
import { contextFromHeaders, currentRequestContext, runWithRequestContext, type AuditLogger, type Logger } from '../logging/index.ts';
import { DEFAULT_MAX_JSON_DEPTH } from '../input/index.ts';
import { chargeCallCost, createRequestLimits, limitPerPrincipal, shedLoad, type RefusalWriter, type RequestLimits } from '../limits/index.ts';
import { createMetrics, type PlatformMetrics } from '../metrics/index.ts';
import type { ResourceLock } from '../binding/index.ts';
import { createServerFactory } from './mcp-server.ts';
import { createFastPath, toolRunnerHandlers, type FastPath, type FastPathHandlers } from './fast-path.ts';
import { createToolCatalog } from './tool-catalog.ts';
import { createToolRunner } from './tool-runner.ts';
import { allowedHostnames, requireAllowedHost } from './host-check.ts';
import { handlerChain } from './handler-chain.ts';
import { jsonRpcErrorHandler } from './error-handler.ts';
import { mcpJsonBody } from './json-body.ts';
import { boundedCheck, mountOperationalRoutes, type ManagementAccess, type ReadinessReport } from './operational.ts';
import type { BreakerState } from '../resilience/index.ts';
import { securityHeaders } from './security-headers.ts';
import type { TaskBackend } from './tasks.ts';
import type { AnyToolDefinition, TokenDelegation } from './tool.ts';

/**
 * A readiness probe of a dependency: resolves `true` when it is usable, `false` when it is down, and
 * `'degraded'` when the service still answers without it (an upstream whose breaker is open: reads
 * from the cache, writes refused). Neither takes the replica out of routing: every replica shares the
 * dependency, and the replica still answers — from caches, or with the dependency's own clean,
 * retryable error (`ERR_AUTHZ_UNAVAILABLE`, `ERR_LOCK_UNAVAILABLE`…). `/readyz` then says
 * `degraded` (200) with the detail; only a draining replica answers 503 (`listen`).
 */
export type ReadinessCheck = () => Promise<boolean | 'degraded'>;

/** What an MCP server built from tool definitions passes to {@link createMcpApp}. */
export interface McpToolsSurface<D> {
  /** Human name of the upstream for error messages (`Catalyst Center`). */
  upstreamName: string;
  tools: AnyToolDefinition<D>[];
  deps: D;
  serverFactory?: never;
}

/**
 * What a server whose tools are not static definitions passes instead (the MCP gateway:
 * its tools are the caller's view of other servers). The factory enforces its own policy.
 */
export interface McpFactorySurface {
  serverFactory: McpServerFactory;
  /**
   * The surface's own answers to `tools/list` and `tools/call` on the spine's fast path (no SDK server
   * per request); they must answer as `serverFactory`'s server does. Default: every request takes the SDK path.
   */
  fastPathHandlers?: FastPathHandlers;
  upstreamName?: never;
  tools?: never;
  deps?: never;
}

/** Options of {@link createMcpApp}. */
export type McpAppOptions<D> = McpAppBaseOptions & (McpToolsSurface<D> | McpFactorySurface);

/** Options of {@link createMcpApp} shared by both surfaces. */
export interface McpAppBaseOptions {
  service: { name: string; version: string };
  /** The `server` of policy input (`network`, `itsm`, `github`). */
  serverId: string;
  /** Public URL of the MCP endpoint = the RFC 8707 resource identifier, e.g. `http://127.0.0.1:8101/mcp`. */
  publicUrl: string;
  logger: Logger & AuditLogger;
  /** Verifies bearer tokens (our JWT/introspection verifier). */
  verifier: OAuthTokenVerifier & { ready?: () => Promise<boolean | 'degraded'> };
  /** Authorization server(s) advertised in the protected resource metadata. */
  issuer: string;
  /** Scopes every token must carry. Default `['mcp:tools']`. */
  requiredScopes?: string[];
  authorizer: Authorizer;
  listAuthorizer?: Authorizer;
  metrics?: PlatformMetrics;
  /** Named dependency checks for `/readyz` (IdP keys and the authorizer are added automatically). */
  readiness?: Record<string, ReadinessCheck>;
  /** Extra Host header values accepted (the public URL's host and loopback names always are). */
  allowedHosts?: string[];
  /** Browser origins allowed; requests without Origin are allowed. Default: loopback origins only. */
  allowedOrigins?: string[];
  /** Largest accepted request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Deepest nesting of a request body, checked before it is parsed (400 naming the path). Default 64. */
  maxJsonDepth?: number;
  /** Deadline of one tool call in milliseconds. Default 60000. */
  callTimeoutMs?: number;
  /** Per-resource write lock (see `ToolDefinition.lockKeys`). Default: in-process. */
  resourceLock?: ResourceLock;
  /** Token delegation for `ToolContext.delegate` (RFC 8693). Default: none. */
  delegation?: TokenDelegation;
  /** Where the server's tasks live; with it the Tasks extension (SEP-2663) is served. Default: none. */
  tasks?: TaskBackend;
  instructions?: string;
  /** Timeout of each readiness check in milliseconds. Default 2000. */
  readinessTimeoutMs?: number;
  /** Per-principal rate limit and concurrency cap, global in-flight cap. Default: in-process, {@link DEFAULT_LIMITS}. */
  limits?: RequestLimits;
  /** Who may read `/metrics` and `/readyz` detail. Default: loopback callers only. */
  management?: ManagementAccess;
  /**
   * Degraded mode: the upstream's circuit breaker. While it is open, `/readyz` reports the upstream
   * `degraded` and write tools are refused (`ERR_UPSTREAM_DEGRADED`). Default: none.
   */
  upstream?: { name: string; breakerState: () => BreakerState };
  /**
   * Serve `tools/call` and `tools/list` on the spine's fast path (no SDK server per request; see
   * docs/benchmarks.md). Default `true`; `false` sends every request through the SDK.
   */
  fastPath?: boolean;
}

/** The Express app plus what shutdown must close. */
export interface McpApp {
  app: Express;
  metrics: PlatformMetrics;
  /** Runs every readiness check. */
  readiness(): Promise<ReadinessReport>;
  /** Publishes change notifications to open `subscriptions/listen` streams (2026-07-28 clients). */
  notify: ServerNotifier;
  /** Closes the MCP handler (in-flight modern exchanges are aborted). */
  close(): Promise<void>;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Builds the Express app of one MCP server on the spine: request context and
 * `traceparent`, Host/Origin validation, body limit, bearer authentication with
 * RFC 9728 metadata, the SDK's stateless `createMcpHandler` (2026-07-28 and
 * 2025-era clients), policy-enforcing tool wrappers, `/healthz`, `/readyz`, `/metrics`.
 *
 * Order on the MCP endpoint, cheapest refusal first and nothing read from the
 * body until the caller is known and within its share: Host/Origin → global
 * in-flight cap (503) → bearer authentication (401/403) → per-principal
 * concurrency cap and token bucket (429 with `RateLimit`/`Retry-After`) → body
 * parsing (size limit) → MCP. A refusal before the body is read closes the
 * connection, so an unread (or trickled) body cannot hold it.
 *
 * @example
 * ```ts
 * const { app } = createMcpApp({ service, serverId: 'network', upstreamName: 'Catalyst Center',
 *   publicUrl, tools, deps, logger, verifier, issuer, authorizer });
 * const running = await listen(app, { host: '127.0.0.1', port: 8101, logger });
 * ```
 */
export function createMcpApp<D>(opts: McpAppOptions<D>): McpApp {
  const metrics = opts.metrics ?? createMetrics({ defaultLabels: { service: opts.service.name } });
  const publicUrl = new URL(opts.publicUrl);
  const mcpPath = publicUrl.pathname;
  // Express matches paths case-insensitively and with an optional trailing slash.
  const routePath = mcpPath.toLowerCase().replace(/\/$/, '');
  if (['/healthz', '/readyz', '/metrics'].includes(routePath) || routePath.startsWith('/.well-known/')) {
    throw new TypeError(`publicUrl: the MCP endpoint path ${mcpPath} collides with an operational or metadata route`);
  }
  const allowedHosts = allowedHostnames(publicUrl, opts.allowedHosts);
  const allowedOrigins = [...new Set([...LOOPBACK, ...(opts.allowedOrigins ?? [])])];

  const serverInfo = { name: opts.service.name, version: opts.service.version };
  let factory: McpServerFactory;
  let handlers: FastPathHandlers | undefined;
  if (opts.serverFactory !== undefined) {
    // A factory surface (the gateway) brings its own server and policy, and its own fast-path answers if it has them.
    factory = opts.serverFactory;
    handlers = opts.fastPathHandlers;
  } else {
    const runner = createToolRunner({
      serverId: opts.serverId,
      upstreamName: opts.upstreamName,
      tools: opts.tools,
      deps: opts.deps,
      authorizer: opts.authorizer,
      logger: opts.logger,
      metrics,
      ...(opts.listAuthorizer ? { listAuthorizer: opts.listAuthorizer } : {}),
      ...(opts.callTimeoutMs ? { callTimeoutMs: opts.callTimeoutMs } : {}),
      ...(opts.resourceLock ? { resourceLock: opts.resourceLock } : {}),
      ...(opts.delegation ? { delegation: opts.delegation } : {}),
      ...(opts.tasks ? { tasks: opts.tasks } : {}),
      ...(opts.upstream ? { upstreamBreaker: opts.upstream.breakerState } : {}),
    });
    factory = createServerFactory({
      ...serverInfo,
      serverId: opts.serverId,
      upstreamName: opts.upstreamName,
      tools: opts.tools,
      deps: opts.deps,
      authorizer: opts.authorizer,
      logger: opts.logger,
      metrics,
      runner,
      ...(opts.delegation ? { delegation: opts.delegation } : {}),
      ...(opts.tasks ? { tasks: opts.tasks } : {}),
      ...(opts.instructions ? { instructions: opts.instructions } : {}),
    });
    handlers = toolRunnerHandlers({
      runner,
      // A tool that answers with a task (SEP-2663) is served where the Tasks extension lives: the SDK path.
      sdkOnly: (tool) => tool.task !== undefined,
      catalog: createToolCatalog({ factory, toolCount: opts.tools.length }),
    });
  }
  const fastPath: FastPath | undefined =
    opts.fastPath === false || handlers === undefined ? undefined : createFastPath({ handlers, serverInfo, logger: opts.logger, stepUpAnswer: (demand) => stepUpAnswer(demand) });
  const handler = createMcpHandler(factory, {
    legacy: 'stateless',
    onerror: (error) => opts.logger.debug('mcp handler reported', { error }),
  });
  // RFC 9470: when the tool wrapper found that the policy wants a stronger authentication, the
  // HTTP answer is 401 with the insufficient_user_authentication challenge, which MCP clients act on
  // (a tool result alone would not make them sign in again). A tools/call exchange is complete when
  // its body ends (stateless: one request, one response), so the body is read before deciding.
  const stepUpAnswer = (demand: { acrValues: string[]; maxAgeSeconds?: number }) => ({
    status: 401,
    headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': stepUpChallenge(resourceMetadataUrl, demand), 'Cache-Control': 'no-store' },
    body: JSON.stringify({ error: 'insufficient_user_authentication', error_description: 'A stronger or more recent authentication is required' }),
  });
  const stepUpAware = {
    fetch: async (request: globalThis.Request, options?: Parameters<typeof handler.fetch>[1]): Promise<globalThis.Response> => {
      const response = await handler.fetch(request, options);
      const ctx = currentRequestContext();
      if (ctx?.rpcMethod !== 'tools/call') return response;
      const body = await response.arrayBuffer();
      if (ctx.stepUp !== undefined) {
        const answer = stepUpAnswer(ctx.stepUp);
        return new globalThis.Response(answer.body, { status: answer.status, headers: answer.headers });
      }
      return new globalThis.Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
  const nodeHandler = toNodeHandler(stepUpAware, {
    maxRequestBodySize: opts.maxBodyBytes ?? 1_048_576,
    onerror: (error) => opts.logger.error('mcp adapter failed', { error }),
  });

  const { metadataRouter, requireAuth, resourceMetadataUrl } = createAuthRouter({
    verifier: opts.verifier,
    resourceUrl: publicUrl,
    authorizationServers: [opts.issuer],
    scopesSupported: opts.requiredScopes ?? ['mcp:tools'],
    requiredScopes: opts.requiredScopes ?? ['mcp:tools'],
    resourceName: opts.service.name,
    onAuthFailure: (reason: string) => {
      metrics.authFailures.inc({ server: opts.serverId, reason });
      opts.logger.audit({
        action: 'authentication',
        category: ['authentication'],
        type: ['denied'],
        outcome: 'failure',
        reason,
      });
    },
  });

  const checks: Record<string, ReadinessCheck> = {
    'identity-provider': () => opts.verifier.ready?.() ?? Promise.resolve(true),
    authorizer: () => opts.authorizer.ready(),
    ...opts.readiness,
    ...(opts.upstream ? { [opts.upstream.name]: async () => (opts.upstream?.breakerState() === 'open' ? ('degraded' as const) : true) } : {}),
  };
  const timeoutMs = opts.readinessTimeoutMs ?? 2_000;
  const readiness = async (): Promise<ReadinessReport> => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => boundedCheck(checks[n] as ReadinessCheck, timeoutMs)));
    const out: Record<string, boolean | 'degraded'> = {};
    names.forEach((n, i) => (out[n] = results[i] === 'degraded' ? 'degraded' : results[i] === true));
    // A dependency down or degraded is a degraded replica, not a dead one: it keeps its traffic (see ReadinessCheck).
    return { ready: true, status: results.every((r) => r === true) ? 'ready' : 'degraded', checks: out };
  };

  const limits = opts.limits ?? createRequestLimits({ name: opts.service.name, logger: opts.logger });
  const refuse: RefusalWriter = (_req, res, _next, refusal) => {
    metrics.limitRefusals.inc({ reason: refusal.reason });
    res.status(refusal.status).json({
      jsonrpc: '2.0',
      error: { code: -32000, message: refusal.message, data: { code: refusal.code, retryable: true, retryAfterSeconds: refusal.retryAfterSeconds } },
      id: null,
    });
  };

  // A factory surface (the gateway) declares no tool costs: each of its calls weighs 1 here; its backends charge their own.
  const toolsByName = new Map((opts.tools ?? []).map((t) => [t.name, t]));
  const principalKey = (req: Request) => `user:${req.auth ? principalFromAuthInfo(req.auth).id : 'anonymous'}`;
  // The weight of a tools/call by the tool's declared cost (arguments still unvalidated; a throwing cost counts 1).
  const costOf = (req: Request): number => {
    const name = currentRequestContext()?.toolName;
    const cost = name === undefined ? undefined : toolsByName.get(name)?.cost;
    if (cost === undefined) return 1;
    const args = (req.body as { params?: { arguments?: unknown } } | undefined)?.params?.arguments;
    try {
      return cost(args !== null && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {});
    } catch {
      return 1;
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(securityHeaders());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const ctx = contextFromHeaders(req.headers);
    res.setHeader('X-Request-Id', ctx.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const path = req.path === mcpPath ? 'mcp' : req.path.startsWith('/.well-known/') ? 'well-known' : req.path.slice(1) || 'root';
      const labels = { route: ['mcp', 'well-known', 'healthz', 'readyz', 'metrics'].includes(path) ? path : 'other', status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    runWithRequestContext(ctx, next);
  });

  // The MCP endpoint first: its calls skip the operational and metadata routes (their paths never collide, checked above).
  app.all(
    mcpPath,
    handlerChain([
      requireAllowedHost(allowedHosts),
      originValidation(allowedOrigins),
      // Until the caller is authenticated and within its share the body stays unread: any answer
      // before that point closes the connection instead of draining (or waiting for) the body.
      (_req: Request, res: Response, next: NextFunction) => {
        res.setHeader('Connection', 'close');
        next();
      },
      shedLoad(limits.inFlight, refuse),
      requireAuth,
      limitPerPrincipal({ rate: limits.rate, concurrency: limits.perPrincipal, keyOf: principalKey, refuse, refusalDelayMs: limits.refusalDelayMs }),
      (_req: Request, res: Response, next: NextFunction) => {
        res.removeHeader('Connection');
        next();
      },
      mcpJsonBody({ maxBodyBytes: opts.maxBodyBytes ?? 1_048_576, maxJsonDepth: opts.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH }),
      (req: Request, _res: Response, next: NextFunction) => {
        const ctx = currentRequestContext();
        const body = req.body as { method?: unknown; params?: { name?: unknown } } | undefined;
        if (ctx && body && typeof body === 'object' && typeof body.method === 'string') {
          ctx.rpcMethod = body.method;
          if (body.method === 'tools/call' && typeof body.params?.name === 'string') ctx.toolName = body.params.name;
        }
        next();
      },
      // Fair share by cost: a heavy call (the tool's declared weight) takes more of its caller's share.
      chargeCallCost({ rate: limits.rate, concurrency: limits.perPrincipal, keyOf: principalKey, refuse, refusalDelayMs: limits.refusalDelayMs, costOf }),
      (req: Request, res: Response) => {
        const ctx = currentRequestContext();
        if (ctx && req.auth) {
          const principal = principalFromAuthInfo(req.auth);
          ctx.userId = principal.id;
          ctx.clientId = principal.clientId;
        }
        const fast = fastPath?.(req, res) === true;
        metrics.mcpDispatch.inc({ path: fast ? 'fast' : 'sdk' });
        if (!fast) void nodeHandler(req, res, req.body);
      },
    ]),
  );

  mountOperationalRoutes(app, { service: opts.service, readiness, metrics, ...(opts.management ? { access: opts.management } : {}) });
  app.use(metadataRouter);

  // Unknown paths: a JSON 404 (Express's default HTML page would replace the security headers).
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', error_description: 'No such endpoint' });
  });

  // Body refusals and other errors: a JSON-RPC shaped error, never a stack trace.
  app.use(jsonRpcErrorHandler(opts.logger));

  return { app, metrics, readiness, notify: handler.notify, close: () => handler.close() };
}
