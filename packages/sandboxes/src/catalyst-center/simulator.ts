import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { defaultCatalystSeed, type CatalystSeed, type SimDevice, type SimSite, type SimTemplate } from './seed.ts';
import { analysisSeed, type AnalysisSeed } from './analysis-seed.ts';
import { matches, paging, queryValues, sendError } from './api-helpers.ts';
import { assuranceRoutes } from './assurance-routes.ts';
import { commandRunnerRoutes, type CommandRequestRecord } from './command-runner-routes.ts';
import { pathTraceRoutes } from './path-trace-routes.ts';
import { createSimTasks } from './sim-tasks.ts';
import { silentLogger, type SandboxLogger } from '../internal/logger.ts';
import { listenApp } from '../internal/http.ts';
import { appendRequest, requestLogLimit } from '../internal/request-log.ts';

/** Structured logger the simulator writes to (structurally a subset of mcp-common's `Logger`). */
export type CatalystSimLogger = SandboxLogger;

/**
 * Options of {@link startCatalystCenterSimulator}.
 *
 * @example
 * ```ts
 * await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only', tokenTtlMs: 1000, taskDurationMs: 50 });
 * ```
 */
export interface CatalystSimulatorOptions {
  /** TCP port; `0` picks a free one. Default 9401. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Username accepted by `POST /dna/system/api/v1/auth/token`. */
  username: string;
  /** Password accepted by `POST /dna/system/api/v1/auth/token`. Never logged. */
  password: string;
  /** Lifetime of an issued token, in ms. Default 3600000 (Catalyst Center's 60 minutes). */
  tokenTtlMs?: number;
  /** How long a deployment task stays pending before it succeeds or fails, in ms. Default 200. */
  taskDurationMs?: number;
  /** Inventory to serve. Default {@link defaultCatalystSeed}(). */
  seed?: CatalystSeed;
  /** Assurance, Command Runner, Path Trace and Configuration Archive data. Default {@link analysisSeed}(seed). */
  analysisSeed?: AnalysisSeed;
  /** How many of the newest requests `state.requests` keeps (the oldest are dropped). Default 10000. */
  requestLogLimit?: number;
  logger?: CatalystSimLogger;
}

/**
 * One `POST …/template/deploy` the simulator received, whatever became of it.
 *
 * @example
 * ```ts
 * expect(sim.state.deployments.filter((d) => d.outcome === 'accepted')).toHaveLength(0); // denied → nothing deployed
 * ```
 */
export interface DeploymentRequestRecord {
  receivedAt: number;
  /** The request body as received (template params included; the simulator holds no secrets). */
  body: unknown;
  /** `accepted` → a task was created; the others mean nothing was deployed. */
  outcome: 'accepted' | 'rejected' | 'unauthorized' | 'injected-failure';
  /** HTTP status returned. */
  status: number;
  taskId?: string;
  deploymentId?: string;
}

/** A device-level result inside a deployment. */
export interface SimDeploymentDevice {
  deviceId: string;
  name: string;
  ipAddress: string;
  targetType: string;
  identifier: string;
  /** Parameters resolved for this device (defaults applied). */
  params: Record<string, string>;
  willFail: boolean;
}

/** A template deployment in progress or done. */
export interface SimDeployment {
  deploymentId: string;
  taskId: string;
  template: SimTemplate;
  devices: SimDeploymentDevice[];
  startTime: number;
  endTime: number;
}

/** A request the simulator answered (for "how many attempts" assertions). */
export interface SimRequestRecord {
  method: string;
  path: string;
  status: number;
}

/**
 * The analysis APIs' live data and test hooks.
 *
 * @example
 * ```ts
 * sim.state.analysis.commandTaskDurationMs = 60_000; // Command Runner tasks now outlast the caller's wait
 * expect(sim.state.analysis.commandRequests).toHaveLength(0); // a refused command never reached Catalyst Center
 * ```
 */
export interface AnalysisSimState extends AnalysisSeed {
  /** Every Command Runner read-request received, in order. */
  commandRequests: CommandRequestRecord[];
  /** How long a Command Runner task runs before its result file is ready, in ms. Default `taskDurationMs`. */
  commandTaskDurationMs: number;
  /** How long a flow analysis stays `INPROGRESS`, in ms. Default `taskDurationMs`. */
  pathTraceDurationMs: number;
}

/**
 * Live, mutable state of a running simulator.
 *
 * @example
 * ```ts
 * sim.state.devices.find((d) => d.hostname === 'sjc01-acc-01')!.reachabilityStatus = 'Unreachable';
 * ```
 */
export interface CatalystSimulatorState {
  sites: SimSite[];
  devices: SimDevice[];
  deviceSites: Record<string, string>;
  templates: SimTemplate[];
  /** Every deploy request received, in order. */
  deployments: DeploymentRequestRecord[];
  /** Deployments by deployment id (also reachable from their task). */
  deploymentsById: Map<string, SimDeployment>;
  /** The requests answered, in order (auth requests included): the newest `requestLogLimit` (default 10000). */
  requests: SimRequestRecord[];
  /** Tokens issued so far. */
  tokensIssued: number;
  /** Every token issued, in order (for "no token in any log line" assertions). */
  issuedTokens: string[];
  /** The analysis APIs' data and test hooks (Assurance, Command Runner, Path Trace, Configuration Archive). */
  analysis: AnalysisSimState;
}

/**
 * What {@link startCatalystCenterSimulator} returns.
 *
 * @example
 * ```ts
 * sim.failNext(3, 503); sim.expireTokens(); await sim.stop();
 * ```
 */
export interface CatalystSimulator {
  /** Base URL, e.g. `http://127.0.0.1:9401`. */
  url: string;
  state: CatalystSimulatorState;
  /**
   * Answers the next `n` Intent API requests (`/dna/intent/…`; not the token endpoint) with
   * `status` and a Catalyst error body. A 429 carries `Retry-After` (default 1 second).
   */
  failNext(n: number, status: number, options?: { retryAfterSeconds?: number }): void;
  /** Changes the accepted credentials (existing tokens stay valid). */
  setCredentials(credentials: { username: string; password: string }): void;
  /** Expires every token issued so far: the next call with one gets 401. */
  expireTokens(): void;
  stop(): Promise<void>;
}


const DEPLOY_PATH = '/dna/intent/api/v2/template-programmer/template/deploy';
const TARGET_TYPES = ['MANAGED_DEVICE_UUID', 'MANAGED_DEVICE_IP', 'MANAGED_DEVICE_HOSTNAME', 'PRE_PROVISIONED_SERIAL', 'PRE_PROVISIONED_MAC', 'DEFAULT'];

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function formatDuration(ms: number): string {
  return `${Math.round(ms / 1000)} seconds`;
}

/**
 * Starts a Catalyst Center (DNA Center) Intent API simulator on loopback: token auth,
 * inventory, sites, templates, asynchronous template deployment with tasks, and fault
 * injection for resilience tests. Paths, fields and error bodies follow the real API.
 *
 * @example
 * ```ts
 * const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'pw', taskDurationMs: 50 });
 * const client = createCatalystCenterClient({ baseUrl: sim.url, credentials: async () => ({ username: 'admin', password: 'pw' }) });
 * sim.failNext(1, 503);
 * await sim.stop();
 * ```
 */
export async function startCatalystCenterSimulator(options: CatalystSimulatorOptions): Promise<CatalystSimulator> {
  const { port = 9401, host = '127.0.0.1', tokenTtlMs = 3_600_000, taskDurationMs = 200, logger = silentLogger } = options;
  if (typeof options.username !== 'string' || typeof options.password !== 'string' || options.username === '') {
    throw new TypeError('startCatalystCenterSimulator: username and password are required');
  }
  const logLimit = requestLogLimit(options.requestLogLimit, 'startCatalystCenterSimulator');
  let credentials = { username: options.username, password: options.password };
  const seed = options.seed ? structuredClone(options.seed) : defaultCatalystSeed();
  const state: CatalystSimulatorState = {
    ...seed,
    deployments: [],
    deploymentsById: new Map(),
    requests: [],
    tokensIssued: 0,
    issuedTokens: [],
    analysis: {
      ...(options.analysisSeed ? structuredClone(options.analysisSeed) : analysisSeed(seed)),
      commandRequests: [],
      commandTaskDurationMs: taskDurationMs,
      pathTraceDurationMs: taskDurationMs,
    },
  };
  const tokens = new Map<string, number>(); // token → expiresAt
  const tasksById = new Map<string, SimDeployment>();
  let injected: { remaining: number; status: number; retryAfterSeconds: number } = { remaining: 0, status: 503, retryAfterSeconds: 1 };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Liveness of the simulator itself (not a Catalyst Center API; not recorded in state.requests).
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', simulator: 'catalyst-center' });
  });

  // Request log (method, path, status only — never headers or bodies).
  app.use((req, res, next) => {
    const path = req.originalUrl.split('?')[0] ?? '/';
    res.on('finish', () => {
      appendRequest(state.requests, { method: req.method, path, status: res.statusCode }, logLimit);
      logger.info('catalyst-sim request', { http: { request: { method: req.method }, response: { status_code: res.statusCode } }, url: { path } });
    });
    next();
  });

  app.use(express.json({ limit: '1mb' }));

  // Token endpoint: HTTP Basic → {"Token": "…"}.
  app.post('/dna/system/api/v1/auth/token', (req, res) => {
    const header = req.get('authorization') ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header);
    const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const user = sep >= 0 ? decoded.slice(0, sep) : '';
    const pass = sep >= 0 ? decoded.slice(sep + 1) : '';
    if (!match || sep < 0 || !safeEqual(user, credentials.username) || !safeEqual(pass, credentials.password)) {
      logger.warn('catalyst-sim token request rejected', { event: { action: 'auth-token', outcome: 'failure' } });
      res.status(401).json({ error: 'Authentication has failed. Please provide valid credentials.' });
      return;
    }
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, Date.now() + tokenTtlMs);
    state.tokensIssued++;
    state.issuedTokens.push(token);
    res.json({ Token: token });
  });

  /** Records a deploy request (once) so tests can assert what reached the "controller". */
  function recordDeploy(req: Request, res: Response): DeploymentRequestRecord | undefined {
    if (req.method !== 'POST' || req.originalUrl.split('?')[0] !== DEPLOY_PATH) return undefined;
    const existing = res.locals['deployRecord'] as DeploymentRequestRecord | undefined;
    if (existing) return existing;
    const record: DeploymentRequestRecord = { receivedAt: Date.now(), body: structuredClone(req.body as unknown), outcome: 'rejected', status: 0 };
    state.deployments.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    res.locals['deployRecord'] = record;
    return record;
  }

  // Intent API guard: deploy bookkeeping, fault injection, token check.
  app.use('/dna/intent', (req, res, next) => {
    const record = recordDeploy(req, res);
    if (injected.remaining > 0) {
      injected.remaining--;
      if (record) record.outcome = 'injected-failure';
      if (injected.status === 429) res.set('Retry-After', String(injected.retryAfterSeconds));
      sendError(res, injected.status, injected.status === 429 ? 'RATE_LIMITED' : 'SERVICE_UNAVAILABLE', injected.status === 429 ? 'Too many requests' : 'Service temporarily unavailable');
      return;
    }
    const token = req.get('x-auth-token');
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      if (record) record.outcome = 'unauthorized';
      sendError(res, 401, 'UNAUTHORIZED', 'Unauthorized Access', token === undefined ? 'X-Auth-Token header is missing' : 'Token is invalid or has expired');
      return;
    }
    next();
  });

  const api = express.Router();

  api.get('/v1/network-device/count', (_req, res) => {
    res.json({ response: state.devices.length, version: '1.0' });
  });

  api.get('/v1/network-device', (req, res) => {
    // Cisco Catalyst Center Intent API, "Get Device list" (GET /dna/intent/api/v1/network-device):
    // "If id parameter is provided with comma separated ids, it will return the list of
    // network-devices for the given ids and ignores the other request parameters." An id that
    // matches no device yields a null entry in its place (observed on Catalyst Center 2.3.x).
    const ids = queryValues(req, 'id');
    if (ids !== undefined) {
      res.json({ response: ids.map((id) => state.devices.find((d) => d.id === id) ?? null), version: '1.0' });
      return;
    }
    const page = paging(req, res, 500);
    if (!page) return;
    const filterable = [
      'hostname',
      'managementIpAddress',
      'macAddress',
      'serialNumber',
      'platformId',
      'family',
      'series',
      'type',
      'role',
      'reachabilityStatus',
      'softwareType',
      'softwareVersion',
      'collectionStatus',
    ] as const;
    let result = state.devices;
    for (const field of filterable) {
      const wanted = queryValues(req, field);
      if (wanted !== undefined) result = result.filter((d) => matches(d[field], wanted));
    }
    res.json({ response: result.slice(page.offset - 1, page.offset - 1 + page.limit), version: '1.0' });
  });

  api.get('/v1/network-device/:id', (req, res) => {
    const device = state.devices.find((d) => d.id === req.params['id']);
    if (!device) {
      sendError(res, 404, 'NCND01050', 'Device not found', `No network device with id ${String(req.params['id']).slice(0, 64)}`);
      return;
    }
    res.json({ response: device, version: '1.0' });
  });

  api.get('/v1/site', (req, res) => {
    const page = paging(req, res, 500);
    if (!page) return;
    let result = state.sites;
    const name = queryValues(req, 'name');
    if (name) result = result.filter((s) => matches(s.siteNameHierarchy, name));
    const siteId = queryValues(req, 'siteId');
    if (siteId) result = result.filter((s) => siteId.includes(s.id));
    const type = queryValues(req, 'type');
    if (type) result = result.filter((s) => type.some((t) => s.additionalInfo.some((i) => i.attributes['type'] === t)));
    res.json({ response: result.slice(page.offset - 1, page.offset - 1 + page.limit), version: '1.0' });
  });

  // Template programmer (v1 list/get answer bare JSON, without the `response` envelope).
  api.get('/v1/template-programmer/template', (req, res) => {
    let result = state.templates;
    const projectId = queryValues(req, 'projectId');
    if (projectId) result = result.filter((t) => projectId.includes(t.projectId));
    const projectNames = queryValues(req, 'projectNames');
    if (projectNames) result = result.filter((t) => projectNames.includes(t.projectName));
    const productFamily = queryValues(req, 'productFamily');
    if (productFamily) result = result.filter((t) => t.deviceTypes.some((d) => productFamily.includes(d.productFamily)));
    const softwareType = queryValues(req, 'softwareType');
    if (softwareType) result = result.filter((t) => softwareType.includes(t.softwareType));
    res.json(
      result.map((t) => ({
        name: t.name,
        projectName: t.projectName,
        projectId: t.projectId,
        templateId: t.id,
        versionsInfo: [{ id: t.id, version: t.version, versionTime: t.lastUpdateTime, author: t.author, description: t.description }],
        composite: t.composite,
      })),
    );
  });

  api.get('/v1/template-programmer/template/deploy/status/:deploymentId', (req, res) => {
    const deployment = state.deploymentsById.get(String(req.params['deploymentId']));
    if (!deployment) {
      sendError(res, 404, 'NCTP10010', 'Deployment not found', 'No template deployment with that id');
      return;
    }
    const now = Date.now();
    const done = now >= deployment.endTime;
    const failed = deployment.devices.some((d) => d.willFail);
    const status = !done ? 'IN_PROGRESS' : failed ? 'FAILURE' : 'SUCCESS';
    res.json({
      deploymentId: deployment.deploymentId,
      deploymentName: `Deployment of Template: ${deployment.template.id}`,
      projectName: deployment.template.projectName,
      templateName: deployment.template.name,
      templateVersion: deployment.template.version,
      status,
      statusMessage: !done ? 'Deployment in progress' : failed ? 'Deployment failed on one or more devices' : 'Deployment completed successfully',
      startTime: new Date(deployment.startTime).toISOString(),
      endTime: done ? new Date(deployment.endTime).toISOString() : '',
      duration: formatDuration((done ? deployment.endTime : now) - deployment.startTime),
      devices: deployment.devices.map((d) => ({
        deviceId: d.deviceId,
        name: d.name,
        ipAddress: d.ipAddress,
        identifier: d.identifier,
        targetType: d.targetType,
        status: !done ? 'IN_PROGRESS' : d.willFail ? 'FAILURE' : 'SUCCESS',
        detailedStatusMessage: !done ? 'Provisioning' : d.willFail ? 'Device is not reachable' : 'Provisioning success',
        startTime: new Date(deployment.startTime).toISOString(),
        endTime: done ? new Date(deployment.endTime).toISOString() : '',
        duration: formatDuration((done ? deployment.endTime : now) - deployment.startTime),
      })),
    });
  });

  api.get('/v1/template-programmer/template/:templateId', (req, res) => {
    const template = state.templates.find((t) => t.id === req.params['templateId']);
    if (!template) {
      sendError(res, 404, 'NCTP10005', 'Template not found', 'No template with that id');
      return;
    }
    res.json(template);
  });

  api.post('/v2/template-programmer/template/deploy', (req, res) => {
    const record = res.locals['deployRecord'] as DeploymentRequestRecord;
    const reject = (code: string, message: string, detail?: string) => {
      record.outcome = 'rejected';
      sendError(res, 400, code, message, detail);
    };
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return reject('NCTP10001', 'Invalid input', 'Request body must be a JSON object');
    const templateId = body['templateId'];
    if (typeof templateId !== 'string' || templateId === '') return reject('NCTP10001', 'Invalid input', 'templateId is required');
    const template = state.templates.find((t) => t.id === templateId);
    if (!template) return reject('NCTP10005', 'Template not found', `No template with id ${templateId.slice(0, 64)}`);
    const targetInfo = body['targetInfo'];
    if (!Array.isArray(targetInfo) || targetInfo.length === 0) return reject('NCTP10001', 'Invalid input', 'targetInfo must list at least one target');

    const devices: SimDeploymentDevice[] = [];
    for (const raw of targetInfo as unknown[]) {
      const target = (raw ?? {}) as Record<string, unknown>;
      const type = target['type'];
      if (typeof type !== 'string' || !TARGET_TYPES.includes(type)) return reject('NCTP10001', 'Invalid input', `Unsupported target type ${String(type).slice(0, 40)}`);
      const id = typeof target['id'] === 'string' ? target['id'] : undefined;
      const hostName = typeof target['hostName'] === 'string' ? target['hostName'] : undefined;
      let device: SimDevice | undefined;
      if (type === 'MANAGED_DEVICE_UUID') device = state.devices.find((d) => d.id === id);
      else if (type === 'MANAGED_DEVICE_IP') device = state.devices.find((d) => d.managementIpAddress === id);
      else if (type === 'MANAGED_DEVICE_HOSTNAME') device = state.devices.find((d) => d.hostname === (hostName ?? id));
      else return reject('NCTP10001', 'Invalid input', `Target type ${type} is not supported by this simulator`);
      const identifier = String(hostName ?? id ?? '').slice(0, 64);
      if (!device) return reject('NCTP10012', 'Target device not found', `No managed device matches ${identifier}`);
      if (!template.deviceTypes.some((t) => t.productFamily === device.family)) {
        return reject('NCTP10013', 'Template not applicable', `Template ${template.name} is not applicable to ${device.hostname} (${device.family})`);
      }
      const given = (target['params'] ?? {}) as Record<string, unknown>;
      if (typeof given !== 'object' || Array.isArray(given)) return reject('NCTP10001', 'Invalid input', 'params must be an object');
      const params: Record<string, string> = {};
      const missing: string[] = [];
      for (const p of template.templateParams) {
        const value = given[p.parameterName];
        if (value === undefined || value === null || value === '') {
          if (p.required && (p.defaultValue === null || p.defaultValue === '')) missing.push(p.parameterName);
          else params[p.parameterName] = p.defaultValue ?? '';
          continue;
        }
        if (typeof value === 'object') return reject('NCTP10014', 'Invalid template parameter', `${p.parameterName} must be a scalar`);
        const text = String(value);
        if (p.dataType === 'INTEGER' && !/^-?\d+$/.test(text)) return reject('NCTP10014', 'Invalid template parameter', `${p.parameterName} must be an integer`);
        if (p.dataType === 'IPADDRESS' && isIP(text) === 0) return reject('NCTP10014', 'Invalid template parameter', `${p.parameterName} must be an IP address`);
        params[p.parameterName] = text;
      }
      if (missing.length > 0) {
        return reject('NCTP10014', 'Missing template parameters', `Missing value for required template variable(s) on ${device.hostname}: ${missing.join(', ')}`);
      }
      devices.push({
        deviceId: device.id,
        name: device.hostname,
        ipAddress: device.managementIpAddress,
        targetType: type,
        identifier,
        params,
        willFail: device.reachabilityStatus !== 'Reachable',
      });
    }

    const startTime = Date.now();
    const deployment: SimDeployment = {
      deploymentId: randomUUID(),
      taskId: randomUUID(),
      template,
      devices,
      startTime,
      endTime: startTime + taskDurationMs,
    };
    state.deploymentsById.set(deployment.deploymentId, deployment);
    tasksById.set(deployment.taskId, deployment);
    record.outcome = 'accepted';
    record.taskId = deployment.taskId;
    record.deploymentId = deployment.deploymentId;
    logger.info('catalyst-sim deployment accepted', { labels: { template: template.name, devices: devices.length } });
    res.status(202).json({ response: { taskId: deployment.taskId, url: `/api/v1/task/${deployment.taskId}` }, version: '1.0' });
  });

  api.get('/v1/task/:taskId', (req, res, next) => {
    const deployment = tasksById.get(String(req.params['taskId']));
    // Not a deployment's task: the analysis tasks' router (mounted after this one) may know it.
    if (!deployment) return next();
    const done = Date.now() >= deployment.endTime;
    const failedDevices = deployment.devices.filter((d) => d.willFail).map((d) => d.name);
    const isError = done && failedDevices.length > 0;
    res.json({
      response: {
        id: deployment.taskId,
        rootId: deployment.taskId,
        instanceTenantId: state.sites[0]?.instanceTenantId ?? '',
        serviceType: 'NCTP',
        username: credentials.username,
        version: deployment.startTime,
        startTime: deployment.startTime,
        ...(done ? { endTime: deployment.endTime, lastUpdate: deployment.endTime } : { lastUpdate: deployment.startTime }),
        // Catalyst Center's own spelling ("Deployemnt") — clients parse it.
        progress: `Template Deployemnt Id: ${deployment.deploymentId}`,
        isError,
        ...(isError ? { failureReason: `Template deployment failed: device(s) unreachable: ${failedDevices.join(', ')}`, errorCode: 'NCTP10020' } : {}),
      },
      version: '1.0',
    });
  });

  const analysisTasks = createSimTasks(() => credentials.username);
  // Inventory, templates and deployment first: the most frequent calls match without walking the
  // analysis routers (no path is served by two routers; an unknown task id falls through to the end).
  app.use('/dna/intent/api', api);
  app.use('/dna/intent/api', assuranceRoutes(state, state.analysis));
  app.use('/dna/intent/api', commandRunnerRoutes(state, state.analysis, analysisTasks, state.analysis.commandRequests, () => state.analysis.commandTaskDurationMs));
  app.use('/dna/intent/api', pathTraceRoutes(state, analysisTasks, () => state.analysis.pathTraceDurationMs));
  app.use('/dna/intent/api', analysisTasks.routes());
  app.get('/dna/intent/api/v1/task/:taskId', (_req, res) => {
    sendError(res, 404, 'NCTS00001', 'Task not found', 'No task with that id');
  });

  app.use((_req, res) => {
    sendError(res, 404, 'NOT_FOUND', 'Resource not found');
  });

  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    recordDeploy(req, res);
    const status = (err as { status?: number }).status;
    if (status === 400 || (err as { type?: string }).type === 'entity.parse.failed') {
      sendError(res, 400, 'NCTP10001', 'Invalid input', 'Request body is not valid JSON');
      return;
    }
    logger.error('catalyst-sim internal error', { error: { type: (err as Error).name } });
    sendError(res, 500, 'INTERNAL_ERROR', 'Internal server error');
  });

  const { url, stop } = await listenApp(app, port, host);
  logger.info('catalyst-sim listening', { url: { full: url }, labels: { devices: state.devices.length, templates: state.templates.length } });

  return {
    url,
    state,
    failNext(n, status, opts = {}) {
      if (!Number.isInteger(n) || n < 0) throw new TypeError('failNext: n must be a non-negative integer');
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new TypeError('failNext: status must be 4xx or 5xx');
      injected = { remaining: n, status, retryAfterSeconds: opts.retryAfterSeconds ?? 1 };
    },
    setCredentials(next) {
      credentials = { username: next.username, password: next.password };
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    stop,
  };
}
