import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { LRUCache } from 'lru-cache';
import swaggerUi from 'swagger-ui-express';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { ProtocolError } from '@modelcontextprotocol/client';
import { createAuthRouter, stepUpChallenge, tokenFingerprint, type TokenVerifier, IdentityProviderUnavailableError, TokenExchangeError, type TokenExchanger } from '@mcp-platform/mcp-common/auth';
import { StepUpRequiredError, createAuthorizerFromConfig, policyInputFor, type Authorizer } from '@mcp-platform/mcp-common/authz';
import { delegationFromConfig, type Backend, type BackendInterceptor, type BackendPool } from '@mcp-platform/mcp-common/client';
import { contextFromHeaders, createLogger, currentRequestContext, runWithRequestContext, type PlatformLogger } from '@mcp-platform/mcp-common/logging';
import { createMetrics, type PlatformMetrics } from '@mcp-platform/mcp-common/metrics';
import { CircuitOpenError, UpstreamError, UpstreamAuthError, UpstreamRejectedError } from '@mcp-platform/mcp-common/resilience';
import { errorCodeInfo, isPlatformErrorCode } from '@mcp-platform/mcp-common/errors';
import { jsonDepthGuard } from '@mcp-platform/mcp-common/input';
import { limitSettingsFromConfig } from '@mcp-platform/mcp-common/limits';
import { ERROR_META_KEY } from '@mcp-platform/mcp-common/server';
import {
  allowedHostnames,
  boundedCheck,
  listen,
  mountOperationalRoutes,
  type ManagementAccess,
  type ReadinessReport,
  requireAllowedHost,
  securityHeaders,
  tokenVerifierFromConfig,
  type RunningServer,
} from '@mcp-platform/mcp-common/server';
import { callerOf, rejectAsProblem, withCaller } from './authenticate.ts';
import type { ProxyConfig } from './config.ts';
import { buildOpenApi, type BackendTools } from './openapi.ts';
import { ProblemError, sendProblem } from './problem.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import { createArgumentValidator } from './validate.ts';

export const SERVICE = { name: 'rest-proxy', version: '0.1.0' } as const;

/** Everything {@link createProxyApp} needs, injected (tests build their own). */
export interface ProxyDeps {
  /** Who may read `/metrics` and the `/readyz` detail. Default: loopback callers only. */
  management?: ManagementAccess;
  /** Public base URL = resource identifier of the proxy, e.g. `http://127.0.0.1:8080`. */
  publicUrl: string;
  issuer: string;
  requiredScopes: readonly string[];
  verifier: TokenVerifier;
  exchanger: TokenExchanger;
  pool: BackendPool;
  /** The proxy's own access rule (`data.mcp.proxy.decision`), audited. */
  proxyAuthorizer: Authorizer;
  /**
   * Where {@link proxyAuthorizer} decides: `opa` = the shared OPA server (down: `/readyz` degraded), `wasm` = the
   * policy compiled into this process (not loaded: not ready). Default `opa`.
   */
  policyEngine?: 'opa' | 'wasm';
  /** Time each readiness check may take before it counts as down, in ms. Default 2000. */
  readinessTimeoutMs?: number;
  rateLimiter: RateLimiter;
  logger: PlatformLogger;
  metrics: PlatformMetrics;
  /** Seconds advertised in `Retry-After` when a backend's breaker is open. */
  breakerRetryAfterSeconds: number;
  /** How long a caller's tool list per backend is reused, in ms (0: never); at most 10000 lists are kept (least recently used go first). */
  toolsCacheTtlMs: number;
  maxBodyBytes: number;
  /** Browser origins (e.g. a portal) allowed to call the API cross-origin (CORS). Default none. */
  allowedOrigins?: readonly string[];
  /** Extra `Host` values accepted besides loopback and the public URL's host. Default none. */
  allowedHosts?: readonly string[];
}

/** The Express app plus its readiness. */
export interface ProxyApp {
  app: Express;
  /** `/readyz`'s report: `degraded` (still ready) for what the proxy survives per request, not ready when no request could succeed here (see {@link createProxyApp}). */
  readiness(): Promise<ReadinessReport>;
}

/** Maps a tool's `isError` result to the HTTP problem a legacy caller gets. */
export function problemFromToolError(server: string, tool: string, result: CallToolResult, breakerRetryAfterSeconds: number, schemaChecked = false): ProblemError {
  const text = result.content
    .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
    .map((c) => c.text)
    .join('\n')
    .trim();
  const meta = (result._meta?.[ERROR_META_KEY] ?? {}) as { code?: unknown; retryAfterMs?: unknown };
  const detail = text || `Tool "${tool}" on "${server}" failed.`;
  if (isPlatformErrorCode(meta.code)) {
    // The server's code passes through; status, type and retryability derive from it.
    const code = meta.code;
    if (code === 'ERR_AUTHZ_DENIED') return new ProblemError(code, detail, { reasons: [detail] });
    // Schema-valid arguments the tool's own rules refuse (unknown device, nothing to update): semantically invalid (422).
    if (code === 'ERR_VALIDATION') return new ProblemError(code, detail, { errors: [{ pointer: '/arguments', message: detail }] });
    if (!errorCodeInfo(code).retryable) return new ProblemError(code, detail);
    const retryAfterSeconds =
      code === 'ERR_CIRCUIT_OPEN' ? breakerRetryAfterSeconds : typeof meta.retryAfterMs === 'number' && meta.retryAfterMs > 0 ? Math.ceil(meta.retryAfterMs / 1000) : 5;
    return new ProblemError(code, detail, { retryAfterSeconds });
  }
  if (/^Input validation error/i.test(text)) {
    // The SDK's own answer (no platform code): arguments that passed the published input schema here but not
    // the server's refinements (rules JSON Schema cannot state, e.g. "ids must not repeat") are semantically invalid: 422.
    return schemaChecked
      ? new ProblemError('ERR_VALIDATION', text, { errors: [{ pointer: '/arguments', message: text }] })
      : new ProblemError('ERR_VALIDATION', 'The arguments do not match the tool\'s input schema.', { status: 400, errors: [{ pointer: '/arguments', message: text }] });
  }
  if (/tool .* not found/i.test(text)) return new ProblemError('ERR_NOT_FOUND', `No tool "${tool}" on "${server}".`);
  return new ProblemError('ERR_TOOL_FAILED', detail);
}

/** Maps a failure of the call itself (transport, breaker, protocol) to a problem. */
function problemFromCallFailure(server: string, tool: string | undefined, err: unknown, breakerRetryAfterSeconds: number, resourceMetadataUrl?: string): ProblemError {
  if (err instanceof ProblemError) return err;
  // The MCP server's policy wants a stronger login (RFC 9470): the caller gets the same challenge, naming the proxy's metadata.
  if (err instanceof StepUpRequiredError) {
    return new ProblemError('ERR_STEP_UP_REQUIRED', err.message, { cause: err, ...(resourceMetadataUrl === undefined ? {} : { challenge: stepUpChallenge(resourceMetadataUrl, err.demand) }) });
  }
  if (err instanceof TokenExchangeError) {
    return new ProblemError('ERR_TOKEN_EXCHANGE', 'The identity provider refused to delegate this token to the MCP server.', { challenge: 'Bearer error="invalid_token"', cause: err });
  }
  if (err instanceof IdentityProviderUnavailableError) {
    return new ProblemError('ERR_IDP_UNAVAILABLE', 'The identity provider is unreachable; try again later.', { retryAfterSeconds: 5, cause: err });
  }
  if (err instanceof UpstreamAuthError) return new ProblemError('ERR_INTERNAL', `MCP server "${server}" rejected the delegated token.`, { cause: err });
  if (err instanceof UpstreamRejectedError && err.status === 403) return new ProblemError('ERR_AUTHZ_DENIED', `MCP server "${server}" refused the request.`, { cause: err });
  if (err instanceof CircuitOpenError) {
    return new ProblemError('ERR_CIRCUIT_OPEN', `MCP server "${server}" is unavailable (circuit open); try again later.`, { retryAfterSeconds: breakerRetryAfterSeconds, cause: err });
  }
  if (err instanceof UpstreamError && err.code === 'ERR_UPSTREAM_TIMEOUT') {
    return new ProblemError('ERR_UPSTREAM_TIMEOUT', `MCP server "${server}" did not answer in time.`, { cause: err });
  }
  if (err instanceof UpstreamError) {
    return new ProblemError('ERR_UPSTREAM_UNAVAILABLE', `MCP server "${server}" is unavailable; try again later.`, { retryAfterSeconds: 5, cause: err });
  }
  if (err instanceof ProtocolError) {
    if (tool !== undefined && err.code === -32602 && /not found|unknown tool/i.test(err.message)) return new ProblemError('ERR_NOT_FOUND', `No tool "${tool}" on "${server}".`, { cause: err });
    if (err.code === -32602) return new ProblemError('ERR_VALIDATION', 'The MCP server rejected the arguments.', { status: 400, errors: [{ pointer: '/arguments', message: err.message }], cause: err });
    return new ProblemError('ERR_UPSTREAM_INVALID_RESPONSE', `MCP server "${server}" answered with a protocol error.`, { cause: err });
  }
  return new ProblemError('ERR_INTERNAL', `Internal error (trace id ${currentRequestContext()?.traceId ?? 'unknown'}).`, { cause: err });
}

/**
 * Builds the proxy's Express app: request context, `/healthz`, `/readyz`,
 * `/metrics`, RFC 9728 metadata, then under `/api/v1` and `/openapi.json`:
 * bearer authentication → rate limit per client identity → the proxy's own
 * policy → token exchange per backend → the pooled MCP client. `/docs` is a
 * Swagger UI page (assets served locally) reading `/openapi.json`.
 *
 * @example
 * ```ts
 * const { app } = createProxyApp(deps);
 * await listen(app, { host: '127.0.0.1', port: 8080, logger });
 * ```
 */
export function createProxyApp(deps: ProxyDeps): ProxyApp {
  const { pool, exchanger, logger, metrics } = deps;
  const validator = createArgumentValidator();
  // A caller's tool list per backend (lru-cache): at most 10000 lists, each for toolsCacheTtlMs; 0 turns it off
  // (lru-cache would read ttl 0 as "forever").
  const toolsCache = deps.toolsCacheTtlMs > 0 ? new LRUCache<string, Tool[]>({ max: 10_000, ttl: deps.toolsCacheTtlMs, ttlResolution: 0 }) : undefined;
  const publicUrl = deps.publicUrl.replace(/\/$/, '');

  const { metadataRouter, requireAuth, resourceMetadataUrl } = createAuthRouter({
    verifier: deps.verifier,
    resourceUrl: publicUrl,
    authorizationServers: [deps.issuer],
    scopesSupported: deps.requiredScopes,
    requiredScopes: deps.requiredScopes,
    resourceName: 'MCP platform REST proxy',
    resourceDocumentationUrl: `${publicUrl}/docs`,
    onAuthFailure: (reason) => {
      metrics.authFailures.inc({ server: 'rest-proxy', reason });
      logger.audit({ action: 'authentication', category: ['authentication'], type: ['denied'], outcome: 'failure', reason });
    },
    onRejected: rejectAsProblem,
  });

  async function toolsFor(token: string, backend: Backend, delegated: string): Promise<Tool[]> {
    const key = `${tokenFingerprint(token)} ${backend.name}`;
    const hit = toolsCache?.get(key);
    if (hit) return hit;
    const tools = await backend.listTools(delegated);
    toolsCache?.set(key, tools);
    return tools;
  }

  const backendOf = (name: string): Backend => {
    const backend = pool.get(name);
    if (!backend) throw new ProblemError('ERR_NOT_FOUND', `No MCP server named "${name}" behind this proxy.`);
    return backend;
  };

  /** The proxy's own rule: may this caller use the proxy for this operation? Fail closed. */
  const checkProxyAccess = (operation: string, action: 'read' | 'execute') => async (req: Request, res: Response, next: NextFunction) => {
    const { principal } = callerOf(res);
    const decision = await deps.proxyAuthorizer.decide(policyInputFor({ subject: principal, server: 'rest-api-proxy', tool: operation, action }));
    if (decision.error) return next(new ProblemError('ERR_AUTHZ_UNAVAILABLE', 'Authorization service unavailable: the request was denied (fail closed).', { retryAfterSeconds: 5 }));
    if (!decision.allow) return next(new ProblemError('ERR_AUTHZ_DENIED', 'This caller may not use the REST proxy.', { reasons: decision.reasons }));
    void req;
    next();
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);
  // nosniff, no-store and `frame-ancestors 'none'` everywhere; Swagger UI (/docs) gets a page CSP
  // that lets it load its own assets, still never framed.
  const apiHeaders = securityHeaders();
  const docsHeaders = securityHeaders({
    noStore: false,
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) => (req.path === '/docs' || req.path.startsWith('/docs/') ? docsHeaders : apiHeaders)(req, res, next));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const ctx = contextFromHeaders(req.headers);
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', ctx.requestId);
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'other';
      metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      metrics.httpRequestDuration.observe({ route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
      if (req.path.startsWith('/api/') || req.path === '/openapi.json') {
        const caller = res.locals['caller'] as { principal: { id: string; clientId: string } } | undefined;
        logger.info(`${req.method} ${route} ${res.statusCode}`, {
          event: { action: 'proxy-request', outcome: res.statusCode < 400 ? 'success' : 'failure', duration: Number(process.hrtime.bigint() - started) },
          http: { request: { method: req.method }, response: { status_code: res.statusCode } },
          url: { path: req.path },
          ...(caller ? { user: { id: caller.principal.id }, client: { id: caller.principal.clientId } } : {}),
        });
      }
    });
    runWithRequestContext(ctx, next);
  });

  // CORS for the configured browser origins only: bearer tokens in headers, no cookies.
  const corsOrigins = new Set(deps.allowedOrigins ?? []);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin === undefined || !corsOrigins.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'RateLimit, RateLimit-Policy, Retry-After, WWW-Authenticate, X-Request-Id');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Traceparent, X-Request-Id');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  });

  // Readiness decides whether a load balancer sends this replica new requests (docs/reliability.md, "The REST
  // proxy's readiness"). A dependency every replica shares and whose failure the proxy survives per request keeps
  // it ready, `degraded`: taking every replica out would turn the proxy's own clean problem (503 + Retry-After)
  // into a load balancer's bare error, and cached keys, tokens, exchanges and decisions still serve callers.
  //  - rate-limit-store (Redis) down: the insurance limiter keeps the limits per replica; every request goes on.
  //  - policy-engine = the OPA server down: decisions cached per subject (AUTHZ_CACHE_TTL_MS) go on, others are
  //    refused fail-closed (ERR_AUTHZ_UNAVAILABLE, 503). In-process Wasm not loaded is this replica's own fault and
  //    no request can pass the proxy rule: not ready.
  //  - identity-provider down after this replica once held its keys: verified tokens (until expiry), the key set
  //    (10 min) and token exchanges (until early expiry) are cached; new exchanges fail with ERR_IDP_UNAVAILABLE
  //    (503). No key ever held: no token can be verified here — not ready, so a fresh replica stays out while
  //    the ones that hold keys keep serving. The verifier's probe asks the IdP itself (its key set, the answer
  //    reused for a few seconds): `'degraded'` while it does not answer but keys are held, `false` with none.
  const checkTimeoutMs = deps.readinessTimeoutMs ?? 2_000;
  const check = <T extends boolean | 'degraded'>(probe: () => Promise<T>): Promise<T | false> => boundedCheck(probe, checkTimeoutMs);
  let keysHeld = false;
  const readiness = async (): Promise<ReadinessReport> => {
    const [idp, policy, store] = await Promise.all([
      check(() => deps.verifier.ready()),
      check(() => deps.proxyAuthorizer.ready()),
      check(() => deps.rateLimiter.ready()),
    ]);
    if (idp !== false) keysHeld = true;
    const checks = { 'identity-provider': idp, 'policy-engine': policy, 'rate-limit-store': store };
    const ready = keysHeld && (policy || (deps.policyEngine ?? 'opa') === 'opa');
    return { ready, status: !ready ? 'not-ready' : idp === true && policy && store ? 'ready' : 'degraded', checks };
  };
  mountOperationalRoutes(app, { service: SERVICE, readiness, metrics, ...(deps.management ? { access: deps.management } : {}) });
  // DNS-rebinding protection like the MCP servers': everything but the probes answers only to known Host names.
  app.use(
    requireAllowedHost(allowedHostnames(publicUrl, deps.allowedHosts ?? []), (_req, _res, next, message) =>
      next(new ProblemError('ERR_HOST_NOT_ALLOWED', message)),
    ),
  );
  app.use(metadataRouter);

  const guarded = (operation: string, action: 'read' | 'execute') => [deps.rateLimiter.shed, requireAuth, withCaller, deps.rateLimiter.middleware, checkProxyAccess(operation, action)];

  app.get('/api/v1/servers', ...guarded('list_servers', 'read'), async (_req, res) => {
    const servers = await Promise.all(pool.list().map((b) => b.health()));
    // The documented shape (the proxy's backends are one URL each; replica detail is the gateway's concern).
    res.json({ servers: servers.map(({ name, url, status, breaker }) => ({ name, url, status, breaker })) });
  });

  app.get('/api/v1/mcp/:server/tools', ...guarded('list_tools', 'read'), async (req, res) => {
    const server = String(req.params['server']);
    const backend = backendOf(server);
    const { token } = callerOf(res);
    try {
      const delegated = await exchanger.exchange(token, backend.url);
      const tools = await toolsFor(token, backend, delegated);
      res.json({
        server,
        tools: tools.map((t) => ({
          name: t.name,
          ...(t.title ? { title: t.title } : {}),
          ...(t.description ? { description: t.description } : {}),
          path: `/api/v1/mcp/${server}/tools/${t.name}`,
          inputSchema: t.inputSchema,
          ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
          ...(t.annotations ? { annotations: t.annotations } : {}),
        })),
      });
    } catch (err) {
      throw problemFromCallFailure(server, undefined, err, deps.breakerRetryAfterSeconds);
    }
  });

  app.post(
    '/api/v1/mcp/:server/tools/:tool',
    ...guarded('call_tool', 'execute'),
    express.json({ limit: deps.maxBodyBytes, type: () => true, verify: jsonDepthGuard() }),
    async (req, res) => {
      const server = String(req.params['server']);
      const toolName = String(req.params['tool']);
      const backend = backendOf(server);
      if (!req.is('application/json')) throw new ProblemError('ERR_VALIDATION', 'Send the arguments as application/json: { "arguments": { … } }.', { status: 415 });
      const body = req.body as unknown;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new ProblemError('ERR_VALIDATION', 'The body must be a JSON object: { "arguments": { … } }.', { status: 400, errors: [{ pointer: '', message: 'must be object' }] });
      }
      const extra = Object.keys(body).filter((k) => k !== 'arguments');
      const args = (body as { arguments?: unknown }).arguments;
      if (extra.length > 0 || args === null || typeof args !== 'object' || Array.isArray(args)) {
        const errors = [
          ...(args === null || typeof args !== 'object' || Array.isArray(args) ? [{ pointer: '/arguments', message: args === undefined ? 'is required' : 'must be object' }] : []),
          ...extra.map((k) => ({ pointer: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: 'is not allowed' })),
        ];
        throw new ProblemError('ERR_VALIDATION', 'The body must be { "arguments": { … } }.', { status: 400, errors });
      }
      const { token } = callerOf(res);
      const started = process.hrtime.bigint();
      let outcome: 'success' | 'error' | 'denied' = 'error';
      // Metric labels only ever take names the backend published: a caller-chosen name (8 KB, NUL
      // bytes…) would grow /metrics without bound and corrupt its text format.
      let toolLabel = 'other';
      try {
        const delegated = await exchanger.exchange(token, backend.url);
        const tool = (await toolsFor(token, backend, delegated)).find((t) => t.name === toolName);
        if (tool) toolLabel = tool.name;
        // A tool the caller cannot list is still called: the server answers 403 (it exists, policy says no) or not found.
        if (tool) {
          const errors = validator.validate(tool, args as Record<string, unknown>);
          if (errors) throw new ProblemError('ERR_VALIDATION', `The arguments do not match the input schema of "${toolName}".`, { status: 400, errors });
        }
        const result = await backend.callTool(delegated, toolName, args as Record<string, unknown>);
        if (result.isError) {
          const problem = problemFromToolError(server, toolName, result, deps.breakerRetryAfterSeconds, tool !== undefined);
          if (problem.status === 403) outcome = 'denied';
          throw problem;
        }
        outcome = 'success';
        res.json({ status: 'ok', server, tool: toolName, result: result.structuredContent ?? { content: result.content } });
      } catch (err) {
        throw problemFromCallFailure(server, toolName, err, deps.breakerRetryAfterSeconds, resourceMetadataUrl);
      } finally {
        metrics.toolCalls.inc({ server: backend.name, tool: toolLabel, outcome });
        metrics.toolCallDuration.observe({ server: backend.name, tool: toolLabel }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  );

  app.get('/openapi.json', ...guarded('openapi', 'read'), async (_req, res) => {
    const { token } = callerOf(res);
    const backends: BackendTools[] = await Promise.all(
      pool.list().map(async (b) => {
        try {
          return { name: b.name, url: b.url, tools: await toolsFor(token, b, await exchanger.exchange(token, b.url)) };
        } catch (err) {
          logger.warn('tool list unavailable for the OpenAPI document', { error: err, labels: { backend: b.name } });
          return { name: b.name, url: b.url, tools: undefined };
        }
      }),
    );
    res.json(buildOpenApi({ publicUrl, issuer: deps.issuer, version: SERVICE.version, scopes: deps.requiredScopes }, backends));
  });

  // Swagger UI with its assets served from swagger-ui-dist (no CDN); the same options feed the page and its init script.
  const docsOptions = {
      customSiteTitle: 'MCP platform REST proxy',
      swaggerOptions: {
        url: '/openapi.json',
        // No call to the public validator service from an internal page.
        validatorUrl: null,
        persistAuthorization: true,
        // The document needs the caller's token: read once from sessionStorage (or asked for) and sent with every request.
        requestInterceptor: (request: { headers: Record<string, string> }) => {
          const storage = (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } }).sessionStorage;
          let token = storage.getItem('rest-proxy-token');
          if (!token) {
            token = (globalThis as unknown as { prompt(m: string): string | null }).prompt('Bearer token for this proxy (pnpm token <user> --audience <proxy URL>)');
            if (token) storage.setItem('rest-proxy-token', token);
          }
          if (token && !request.headers['Authorization']) request.headers['Authorization'] = `Bearer ${token}`;
          return request;
        },
      },
    };
  app.use('/docs', swaggerUi.serveFiles(undefined, docsOptions), swaggerUi.setup(undefined, docsOptions));

  // Known paths, other methods: 405 with Allow (HEAD follows GET).
  for (const [path, allow] of [
    ['/api/v1/servers', 'GET, HEAD'],
    ['/api/v1/mcp/:server/tools', 'GET, HEAD'],
    ['/api/v1/mcp/:server/tools/:tool', 'POST'],
    ['/openapi.json', 'GET, HEAD'],
  ] as const) {
    app.all(path, (req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Allow', allow);
      next(new ProblemError('ERR_METHOD_NOT_ALLOWED', `${req.method} is not supported here; use ${allow}.`));
    });
  }

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new ProblemError('ERR_NOT_FOUND', 'No such endpoint.')));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let problem: ProblemError;
    if (err instanceof ProblemError) problem = err;
    else if (typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500) {
      const status = (err as { status: number }).status;
      const type = (err as { type?: string }).type;
      problem =
        status === 413
          ? new ProblemError('ERR_VALIDATION', `The body is larger than ${deps.maxBodyBytes} bytes.`, { status: 413 })
          : new ProblemError('ERR_VALIDATION', type === 'entity.parse.failed' ? 'The body is not valid JSON.' : 'The request could not be read.', {
              status: 400,
              errors: [{ pointer: '', message: type ?? 'invalid body' }],
            });
    } else {
      problem = new ProblemError('ERR_INTERNAL', `Internal error (trace id ${currentRequestContext()?.traceId ?? 'unknown'}).`, { cause: err });
    }
    if (problem.status >= 500) logger.warn('request failed', { error: err, url: { path: req.path }, labels: { code: problem.code } });
    if (res.headersSent) return;
    sendProblem(res, problem, currentRequestContext()?.requestId);
  });

  return { app, readiness };
}

/** Options of {@link startRestProxy}. */
export interface StartRestProxyOptions {
  /** Where ECS lines go. Default stdout. */
  logStream?: NodeJS.WritableStream;
  /** undici interceptors every MCP request to the MCP servers passes through (tests record what the backends receive). */
  backendInterceptors?: readonly BackendInterceptor[];
}

/** A running proxy. */
export interface RunningRestProxy extends RunningServer {
  deps: ProxyDeps;
  publicUrl: string;
}

/**
 * Wires a proxy from configuration: logger, token verifier (audience = the
 * proxy's public URL), token exchanger, backend pool, the proxy rule on OPA,
 * the rate limiter (Redis when `REDIS_URL`) → {@link createProxyApp} → listen.
 *
 * @example
 * ```ts
 * const proxy = await startRestProxy(loadConfig(process.env));
 * ```
 */
export async function startRestProxy(config: ProxyConfig, options: StartRestProxyOptions = {}): Promise<RunningRestProxy> {
  const logger = createLogger({
    serviceName: SERVICE.name,
    serviceVersion: SERVICE.version,
    environment: config.SERVICE_ENVIRONMENT,
    level: config.LOG_LEVEL,
    ...(options.logStream ? { stream: options.logStream } : {}),
  });
  const metrics = createMetrics({ defaultLabels: { service: SERVICE.name } });
  const verifier = tokenVerifierFromConfig(config, config.publicUrl, logger);
  const { exchanger, pool } = delegationFromConfig(
    {
      issuer: config.OIDC_ISSUER,
      clientId: config.PROXY_CLIENT_ID,
      clientSecret: config.PROXY_CLIENT_SECRET,
      earlyExpirySeconds: config.TOKEN_EXCHANGE_EARLY_EXPIRY_SECONDS,
      backends: config.backends,
      exchangeScopes: config.exchangeScopes,
      timeoutMs: config.BACKEND_TIMEOUT_MS,
      breakerFailures: config.BACKEND_BREAKER_FAILURES,
      breakerHalfOpenMs: config.BACKEND_BREAKER_HALF_OPEN_MS,
      healthTimeoutMs: config.BACKEND_HEALTH_TIMEOUT_MS,
    },
    { service: SERVICE, logger, observer: metrics.upstream, ...(options.backendInterceptors ? { interceptors: options.backendInterceptors } : {}) },
  );
  const authz = createAuthorizerFromConfig(config, { audit: logger, logger, entrypoint: 'mcp/proxy/decision' });
  const proxyAuthorizer = authz.call;
  const rateLimiter = await createRateLimiter({
    settings: limitSettingsFromConfig(config),
    ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
    logger,
  });
  const deps: ProxyDeps = {
    publicUrl: config.publicUrl,
    issuer: config.OIDC_ISSUER,
    requiredScopes: config.OIDC_REQUIRED_SCOPES,
    verifier,
    exchanger,
    pool,
    proxyAuthorizer,
    policyEngine: config.AUTHZ_MODE,
    rateLimiter,
    logger,
    metrics,
    breakerRetryAfterSeconds: Math.ceil(config.BACKEND_BREAKER_HALF_OPEN_MS / 1000),
    toolsCacheTtlMs: config.TOOLS_CACHE_TTL_MS,
    maxBodyBytes: config.MAX_BODY_BYTES,
    allowedOrigins: config.ALLOWED_ORIGINS,
    allowedHosts: config.ALLOWED_HOSTS,
    management: { trustLoopback: config.MANAGEMENT_TRUST_LOOPBACK, ...(config.MANAGEMENT_TOKEN ? { token: config.MANAGEMENT_TOKEN } : {}) },
  };
  const { app } = createProxyApp(deps);
  const running = await listen(app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    onClose: [() => pool.close(), () => rateLimiter.close(), () => authz.close(), () => logger.close()],
  });
  logger.info('rest-proxy listening', {
    event: { action: 'start' },
    url: { full: config.publicUrl },
    labels: { backends: Object.keys(config.backends).join(','), rate_limit_store: config.REDIS_URL ? 'redis' : 'memory' },
  });
  return { ...running, deps, publicUrl: config.publicUrl };
}
