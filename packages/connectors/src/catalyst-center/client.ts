import type { CallOptions, UpstreamClientOptions } from '../shared.ts';
import { z } from 'zod';
import {
  UpstreamAuthError,
  UpstreamError,
  UpstreamResponseInvalidError,
  UpstreamTimeoutError,
  createUpstreamAgent,
  createUpstreamPolicy,
  requestJson,
  sanitizeUpstreamMessage,
  type BreakerState,
  type QueryValue,
} from '@mcp-platform/mcp-common/resilience';
import {
  CatalystErrorBodySchema,
  DeploymentStatusSchema,
  NetworkDeviceSchema,
  SiteSchema,
  TaskRefSchema,
  TaskSchema,
  TemplateSchema,
  TemplateSummarySchema,
  type DeployTemplateRequest,
  type DeploymentStatus,
  type ListDevicesQuery,
  type ListSitesQuery,
  type ListTemplatesQuery,
  type NetworkDevice,
  type Site,
  type Task,
  type TaskRef,
  type Template,
  type TemplateSummary,
} from './types.ts';
import { analysisMethods, type CatalystAnalysisApi } from './analysis-methods.ts';
import type { CatalystSend, SendInput } from './send.ts';

const UPSTREAM = 'catalyst-center';


/** Credentials for the token endpoint (HTTP Basic). Fetched per token, never cached by the client. */
export interface CatalystCenterCredentials {
  username: string;
  password: string;
}

/**
 * Options of {@link createCatalystCenterClient}.
 *
 * @example
 * ```ts
 * const options: CatalystCenterClientOptions = { baseUrl, credentials: async () => ({ username, password }), policy: { timeoutMs: 15_000 } };
 * ```
 */
export interface CatalystCenterClientOptions extends UpstreamClientOptions<CatalystCenterCredentials> {
  /** e.g. `https://dnac.example.com` (no trailing `/dna`). */
  baseUrl: string;
  /** How long a token is reused before a fresh one is requested, in ms. Default 3300000 (55 min; tokens live 60). */
  tokenTtlMs?: number;
}

/**
 * Options of {@link CatalystCenterClient.waitForTask}.
 *
 * @example
 * ```ts
 * await catalyst.waitForTask(taskId, { pollIntervalMs: 2000, timeoutMs: 600_000, signal });
 * ```
 */
export interface WaitForTaskOptions {
  /** Delay between polls, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Give up after this long, in ms (`ERR_UPSTREAM_TIMEOUT`). Default 120000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A typed Catalyst Center Intent API client (see {@link createCatalystCenterClient}).
 *
 * @example
 * ```ts
 * const device = await catalyst.getDevice(id, { signal: ctx.signal });
 * ```
 */
export interface CatalystCenterClient {
  /** `GET /dna/intent/api/v1/network-device` with filters and 1-based paging. */
  listDevices(query?: ListDevicesQuery, options?: CallOptions): Promise<NetworkDevice[]>;
  /** `GET /dna/intent/api/v1/network-device/count`. */
  countDevices(options?: CallOptions): Promise<number>;
  /** `GET /dna/intent/api/v1/network-device/{id}`; unknown id → `ERR_UPSTREAM_NOT_FOUND`. */
  getDevice(id: string, options?: CallOptions): Promise<NetworkDevice>;
  /** `GET /dna/intent/api/v1/site`. */
  listSites(query?: ListSitesQuery, options?: CallOptions): Promise<Site[]>;
  /** `GET /dna/intent/api/v1/template-programmer/template`. */
  listTemplates(query?: ListTemplatesQuery, options?: CallOptions): Promise<TemplateSummary[]>;
  /** `GET /dna/intent/api/v1/template-programmer/template/{templateId}`. */
  getTemplate(templateId: string, options?: CallOptions): Promise<Template>;
  /** `POST /dna/intent/api/v2/template-programmer/template/deploy`. Not idempotent: never retried. */
  deployTemplate(request: DeployTemplateRequest, options?: CallOptions): Promise<TaskRef>;
  /** `GET /dna/intent/api/v1/task/{taskId}`. */
  getTask(taskId: string, options?: CallOptions): Promise<Task>;
  /** `GET /dna/intent/api/v1/template-programmer/template/deploy/status/{deploymentId}`. */
  getDeploymentStatus(deploymentId: string, options?: CallOptions): Promise<DeploymentStatus>;
  /**
   * Polls a task until it has an `endTime` or `isError`, and returns it (a failed task is
   * returned, not thrown: check `isError` / `failureReason`).
   */
  waitForTask(taskId: string, options?: WaitForTaskOptions): Promise<Task>;
  /** State of this upstream's circuit breaker. */
  breakerState(): BreakerState;
  /** Closes the connection pool and disposes the policy. */
  close(): Promise<void>;
}

const DEPLOYMENT_ID = /Deploy(?:e?ment|emnt)\s*Id\s*:\s*([0-9a-fA-F-]{36})/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The template deployment id carried by a deploy task. Catalyst Center writes it into the
 * task's `progress` as `Template Deployemnt Id: <uuid>` (its own spelling); some releases put
 * the bare id in `data`.
 *
 * @example
 * ```ts
 * const task = await client.waitForTask(taskId);
 * const deploymentId = deploymentIdFromTask(task);
 * if (deploymentId) await client.getDeploymentStatus(deploymentId);
 * ```
 */
export function deploymentIdFromTask(task: Pick<Task, 'progress' | 'data'>): string | undefined {
  const fromProgress = task.progress ? DEPLOYMENT_ID.exec(task.progress)?.[1] : undefined;
  if (fromProgress) return fromProgress;
  if (task.data && UUID.test(task.data.trim())) return task.data.trim();
  if (task.data) return DEPLOYMENT_ID.exec(task.data)?.[1];
  return undefined;
}

/** Catalyst Center's `{"response":{"message","detail"}}` → a safe one-line explanation. */
function catalystErrorMessage(body: unknown): string | undefined {
  const parsed = CatalystErrorBodySchema.safeParse(body);
  if (parsed.success) {
    const { message, detail } = parsed.data.response;
    const m = sanitizeUpstreamMessage(message);
    const d = sanitizeUpstreamMessage(detail);
    if (m && d && d !== m) return `${m}: ${d}`;
    return m ?? d;
  }
  if (body !== null && typeof body === 'object') {
    return sanitizeUpstreamMessage((body as Record<string, unknown>)['message']) ?? sanitizeUpstreamMessage((body as Record<string, unknown>)['error']);
  }
  return undefined;
}

function requireId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

function checkPaging(offset: number | undefined, limit: number | undefined, maxLimit: number): void {
  if (offset !== undefined && (!Number.isInteger(offset) || offset < 1)) throw new TypeError('offset must be an integer >= 1 (1-based)');
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > maxLimit)) throw new TypeError(`limit must be an integer between 1 and ${maxLimit}`);
}

/**
 * Creates a Catalyst Center client: token auth (Basic → `X-Auth-Token`, cached, renewed once
 * on 401), the shared upstream policy (timeouts, retries for reads only, circuit breaker) and
 * zod-validated responses. Passwords and tokens are never logged or put in errors. The result
 * also carries the analysis APIs ({@link CatalystAnalysisApi}: Assurance, Command Runner, Path
 * Trace, Configuration Archive).
 *
 * @example
 * ```ts
 * const catalyst = createCatalystCenterClient({
 *   baseUrl: 'https://dnac.example.com',
 *   credentials: async () => ({ username, password }), // in a service: withUpstreamCredentials hands this over
 *   logger,
 * });
 * const cores = await catalyst.listDevices({ role: 'CORE', limit: 50 });
 * const { taskId } = await catalyst.deployTemplate({ templateId, targetInfo: [{ id: cores[0]!.id, type: 'MANAGED_DEVICE_UUID', params: {} }] });
 * const task = await catalyst.waitForTask(taskId, { pollIntervalMs: 2000, timeoutMs: 300_000 });
 * ```
 */
export function createCatalystCenterClient(options: CatalystCenterClientOptions): CatalystCenterClient & CatalystAnalysisApi {
  if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL');
  if (typeof options.credentials !== 'function') throw new TypeError('credentials must be a function');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const tokenTtlMs = options.tokenTtlMs ?? 55 * 60_000;
  const logger = options.logger?.child({ upstream: { name: UPSTREAM } });
  const policy = createUpstreamPolicy({ ...options.policy, name: options.policy?.name ?? UPSTREAM, logger: options.policy?.logger ?? options.logger });
  const timeoutMs = options.policy?.timeoutMs ?? 10_000;
  const agent = createUpstreamAgent();

  let cached: { value: string; obtainedAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const { username, password } = await options.credentials();
    const basic = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    try {
      const res = await requestJson<unknown>({
        upstream: UPSTREAM,
        method: 'POST',
        url: `${baseUrl}/dna/system/api/v1/auth/token`,
        headers: { authorization: `Basic ${basic}` },
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
        authStatuses: [401, 403],
        errorMessage: catalystErrorMessage,
      });
      const parsed = z.object({ Token: z.string().min(1) }).safeParse(res.body);
      if (!parsed.success) throw new UpstreamResponseInvalidError(UPSTREAM, 'POST /dna/system/api/v1/auth/token');
      cached = { value: parsed.data.Token, obtainedAt: Date.now() };
      logger?.debug('catalyst center token obtained', { event: { action: 'upstream-auth', outcome: 'success' } });
      return parsed.data.Token;
    } catch (err) {
      if (err instanceof UpstreamAuthError) {
        logger?.warn('catalyst center rejected the credentials', { event: { action: 'upstream-auth', outcome: 'failure' } });
      } else if (err instanceof Error && err.name === 'TimeoutError') {
        throw new UpstreamTimeoutError(UPSTREAM, timeoutMs, { cause: err });
      }
      throw err;
    }
  }

  function token(): Promise<string> {
    if (cached && Date.now() - cached.obtainedAt < tokenTtlMs) return Promise.resolve(cached.value);
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  const send: CatalystSend = async <S extends z.ZodType>(input: SendInput<S>): Promise<z.infer<S>> => {
    const call = async (tokenValue: string, signal: AbortSignal): Promise<unknown> => {
      const res = await requestJson<unknown>({
        upstream: UPSTREAM,
        method: input.method,
        url: `${baseUrl}${input.path}`,
        query: input.query,
        body: input.body,
        headers: { ...input.headers, 'x-auth-token': tokenValue },
        signal,
        dispatcher: agent,
        authStatuses: [401],
        errorMessage: catalystErrorMessage,
        ...(input.responseType ? { responseType: input.responseType } : {}),
        ...(input.maxBodyBytes !== undefined ? { maxBodyBytes: input.maxBodyBytes } : {}),
      });
      return res.body;
    };
    const body = await policy.execute(
      async (signal) => {
        const first = await token();
        try {
          return await call(first, signal);
        } catch (err) {
          if (!(err instanceof UpstreamAuthError)) throw err;
          // Expired or revoked token: authenticate again once and repeat (a 401 means the
          // request was not processed, so this is safe for the deploy POST too).
          if (cached?.value === first) cached = undefined;
          logger?.info('catalyst center token rejected; re-authenticating', { event: { action: 'upstream-auth' }, labels: { operation: input.operation } });
          const fresh = await token();
          return await call(fresh, signal);
        }
      },
      {
        idempotent: input.idempotent,
        signal: input.signal,
        // Reads are cached for degraded mode (when the policy has a read cache): answered stale while the breaker is open.
        // Every other call (a POST, a deploy) ends the freshness of the cached reads (UPSTREAM_CACHE_FRESH_MS).
        ...(input.method === 'GET' ? { cacheKey: `${input.path} ${JSON.stringify(input.query ?? {})} ${JSON.stringify(input.headers ?? {})} ${input.responseType ?? 'json'}` } : {}),
        ...(input.fresh === false ? { fresh: false } : {}),
      },
    );
    const payload = input.envelope && body !== null && typeof body === 'object' ? (body as { response?: unknown }).response : body;
    const parsed = input.schema.safeParse(payload);
    if (!parsed.success) {
      logger?.warn('catalyst center response failed validation', { labels: { operation: input.operation } });
      throw new UpstreamResponseInvalidError(UPSTREAM, input.operation, { cause: parsed.error });
    }
    logger?.debug('catalyst center call', { labels: { operation: input.operation } });
    return parsed.data;
  };

  const enc = encodeURIComponent;

  const client: CatalystCenterClient & CatalystAnalysisApi = {
    async listDevices(query = {}, callOptions = {}) {
      const { offset, limit, ...filters } = query;
      checkPaging(offset, limit, 500);
      return send({
        method: 'GET',
        path: '/dna/intent/api/v1/network-device',
        operation: 'GET /network-device',
        // With `id`, Catalyst Center answers one entry per id, null for an unknown one (and ignores the
        // other filters): nulls are dropped, so callers compare the ids they asked for with what came back.
        schema: z.array(NetworkDeviceSchema.nullable()).transform((list) => list.filter((d): d is z.output<typeof NetworkDeviceSchema> => d !== null)),
        idempotent: true,
        envelope: true,
        query: { ...(filters as Record<string, QueryValue>), offset, limit },
        signal: callOptions.signal,
      });
    },

    async countDevices(callOptions = {}) {
      return send({
        method: 'GET',
        path: '/dna/intent/api/v1/network-device/count',
        operation: 'GET /network-device/count',
        schema: z.number().int().nonnegative(),
        idempotent: true,
        envelope: true,
        signal: callOptions.signal,
      });
    },

    async getDevice(id, callOptions = {}) {
      return send({
        method: 'GET',
        path: `/dna/intent/api/v1/network-device/${enc(requireId(id, 'id'))}`,
        operation: 'GET /network-device/{id}',
        schema: NetworkDeviceSchema,
        idempotent: true,
        envelope: true,
        signal: callOptions.signal,
      });
    },

    async listSites(query = {}, callOptions = {}) {
      checkPaging(query.offset, query.limit, 500);
      return send({
        method: 'GET',
        path: '/dna/intent/api/v1/site',
        operation: 'GET /site',
        schema: z.array(SiteSchema),
        idempotent: true,
        envelope: true,
        query: { ...query },
        signal: callOptions.signal,
      });
    },

    async listTemplates(query = {}, callOptions = {}) {
      return send({
        method: 'GET',
        path: '/dna/intent/api/v1/template-programmer/template',
        operation: 'GET /template-programmer/template',
        schema: z.array(TemplateSummarySchema),
        idempotent: true,
        envelope: false,
        query: { ...query },
        signal: callOptions.signal,
      });
    },

    async getTemplate(templateId, callOptions = {}) {
      return send({
        method: 'GET',
        path: `/dna/intent/api/v1/template-programmer/template/${enc(requireId(templateId, 'templateId'))}`,
        operation: 'GET /template-programmer/template/{templateId}',
        schema: TemplateSchema,
        idempotent: true,
        envelope: false,
        signal: callOptions.signal,
      });
    },

    async deployTemplate(request, callOptions = {}) {
      requireId(request?.templateId, 'templateId');
      if (!Array.isArray(request.targetInfo) || request.targetInfo.length === 0) throw new TypeError('targetInfo must list at least one target');
      for (const target of request.targetInfo) {
        if (!target || (typeof target.id !== 'string' && typeof target.hostName !== 'string')) throw new TypeError('each target needs an id or a hostName');
        if (typeof target.type !== 'string') throw new TypeError('each target needs a type');
      }
      return send({
        method: 'POST',
        path: '/dna/intent/api/v2/template-programmer/template/deploy',
        operation: 'POST /v2/template-programmer/template/deploy',
        schema: TaskRefSchema,
        idempotent: false,
        envelope: true,
        body: {
          templateId: request.templateId,
          forcePushTemplate: request.forcePushTemplate ?? false,
          isComposite: false,
          targetInfo: request.targetInfo.map((t) => ({ ...t, params: t.params ?? {} })),
        },
        signal: callOptions.signal,
      });
    },

    async getTask(taskId, callOptions = {}) {
      return send({
        method: 'GET',
        path: `/dna/intent/api/v1/task/${enc(requireId(taskId, 'taskId'))}`,
        operation: 'GET /task/{taskId}',
        schema: TaskSchema,
        idempotent: true,
        fresh: false,
        envelope: true,
        signal: callOptions.signal,
      });
    },

    async getDeploymentStatus(deploymentId, callOptions = {}) {
      return send({
        method: 'GET',
        path: `/dna/intent/api/v1/template-programmer/template/deploy/status/${enc(requireId(deploymentId, 'deploymentId'))}`,
        operation: 'GET /template-programmer/template/deploy/status/{deploymentId}',
        schema: DeploymentStatusSchema,
        idempotent: true,
        fresh: false,
        envelope: false,
        signal: callOptions.signal,
      });
    },

    async waitForTask(taskId, waitOptions = {}) {
      requireId(taskId, 'taskId');
      const pollIntervalMs = waitOptions.pollIntervalMs ?? 1000;
      const waitTimeoutMs = waitOptions.timeoutMs ?? 120_000;
      if (!(pollIntervalMs > 0) || !(waitTimeoutMs > 0)) throw new TypeError('pollIntervalMs and timeoutMs must be positive numbers');
      const deadline = Date.now() + waitTimeoutMs;
      const signal = waitOptions.signal;
      for (;;) {
        signal?.throwIfAborted();
        try {
          const task = await client.getTask(taskId, { signal });
          if (task.isError || (task.endTime !== undefined && task.endTime !== null)) return task;
        } catch (err) {
          // A task id can answer 404 for a moment right after it was handed out.
          if (!(err instanceof UpstreamError && err.code === 'ERR_UPSTREAM_NOT_FOUND')) throw err;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new UpstreamTimeoutError(UPSTREAM, waitTimeoutMs, { retryable: false });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(done, Math.min(pollIntervalMs, remaining));
          function done(): void {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }
          function onAbort(): void {
            clearTimeout(timer);
            reject(signal?.reason);
          }
          signal?.addEventListener('abort', onAbort, { once: true });
        });
      }
    },

    ...analysisMethods(send),

    breakerState: () => policy.breakerState(),

    async close() {
      policy.dispose();
      await agent.close();
    },
  };
  return client;
}

export type { CallOptions } from '../shared.ts';
