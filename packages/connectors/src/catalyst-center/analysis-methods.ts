import type { QueryValue } from '@mcp-platform/mcp-common/resilience';
import { z } from 'zod';
import type { CallOptions } from '../shared.ts';
import {
  ClientHealthSchema,
  CommandRunnerResultSchema,
  ConfigFileSchema,
  DeviceHealthSchema,
  IssueEnrichmentSchema,
  IssueSchema,
  NetworkHealthSchema,
  PathTraceRefSchema,
  PathTraceSchema,
  SiteHealthSchema,
  type ClientHealth,
  type CommandRunnerResult,
  type ConfigFile,
  type ConfigFilesQuery,
  type DeviceHealth,
  type DeviceHealthQuery,
  type Issue,
  type IssueEnrichment,
  type IssuesQuery,
  type NetworkHealth,
  type PathTrace,
  type PathTraceRef,
  type PathTraceRequest,
  type ReadOnlyCommandRequest,
  type SiteHealth,
  type SiteHealthQuery,
} from './analysis-types.ts';
import type { CatalystSend } from './send.ts';
import { TaskRefSchema, type Task, type TaskRef } from './types.ts';

/** Options of calls that download a file: the largest body accepted. */
export interface DownloadOptions extends CallOptions {
  /** Largest file accepted, in bytes (default 16 MiB); larger fails with `ERR_UPSTREAM_INVALID_RESPONSE` unread. */
  maxBytes?: number;
}

/**
 * Catalyst Center's analysis APIs: Assurance health and issues, Command Runner, Path Trace and
 * the Configuration Archive (carried by the client `createCatalystCenterClient` returns).
 *
 * @example
 * ```ts
 * const { taskId } = await catalyst.runReadOnlyCommands({ commands: ['show version'], deviceUuids: [id], timeout: 30 });
 * const task = await catalyst.waitForTask(taskId, { timeoutMs: 60_000 });
 * const [result] = await catalyst.getCommandRunnerFile(fileIdFromTask(task)!);
 * ```
 */
export interface CatalystAnalysisApi {
  /** `GET /dna/intent/api/v1/network-health`: overall and per-category device health. */
  getNetworkHealth(query?: { timestamp?: number }, options?: CallOptions): Promise<NetworkHealth>;
  /** `GET /dna/intent/api/v1/site-health`. */
  getSiteHealth(query?: SiteHealthQuery, options?: CallOptions): Promise<SiteHealth[]>;
  /** `GET /dna/intent/api/v1/device-health`. */
  getDeviceHealth(query?: DeviceHealthQuery, options?: CallOptions): Promise<DeviceHealth[]>;
  /** `GET /dna/intent/api/v1/client-health`. */
  getClientHealth(query?: { timestamp?: number }, options?: CallOptions): Promise<ClientHealth[]>;
  /** `GET /dna/intent/api/v1/issues`. */
  listIssues(query?: IssuesQuery, options?: CallOptions): Promise<Issue[]>;
  /** `GET /dna/intent/api/v1/issue-enrichment-details` for one issue id; `undefined` when Catalyst Center does not know it. */
  getIssueEnrichment(issueId: string, options?: CallOptions): Promise<IssueEnrichment | undefined>;
  /** `GET /dna/intent/api/v1/network-device-poller/cli/legit-reads`: first keywords Command Runner accepts. */
  listLegitReads(options?: CallOptions): Promise<string[]>;
  /** `POST /dna/intent/api/v1/network-device-poller/cli/read-request`. Not retried (it starts a task). */
  runReadOnlyCommands(request: ReadOnlyCommandRequest, options?: CallOptions): Promise<TaskRef>;
  /** `GET /dna/intent/api/v1/file/{fileId}` of a finished Command Runner task. */
  getCommandRunnerFile(fileId: string, options?: DownloadOptions): Promise<CommandRunnerResult[]>;
  /** `POST /dna/intent/api/v1/flow-analysis`. Not retried (it starts an analysis). */
  startPathTrace(request: PathTraceRequest, options?: CallOptions): Promise<PathTraceRef>;
  /** `GET /dna/intent/api/v1/flow-analysis/{flowAnalysisId}`. */
  getPathTrace(flowAnalysisId: string, options?: CallOptions): Promise<PathTrace>;
  /** `GET /dna/intent/api/v1/networkDeviceConfigFiles` (newest first). */
  listConfigFiles(query?: ConfigFilesQuery, options?: CallOptions): Promise<ConfigFile[]>;
  /** `POST /dna/intent/api/v1/networkDeviceConfigFiles/{id}/downloadMasked`: the configuration text with secrets masked by Catalyst Center. */
  downloadMaskedConfig(fileId: string, options?: DownloadOptions): Promise<string>;
}

/**
 * The result file id of a finished Command Runner task: Catalyst Center writes
 * `{"fileId":"…"}` into the task's `progress` (some releases into `additionalStatusURL`
 * as `/file/<id>`).
 *
 * @example
 * ```ts
 * const fileId = fileIdFromTask(await catalyst.waitForTask(taskId));
 * ```
 */
export function fileIdFromTask(task: Pick<Task, 'progress'> & { additionalStatusURL?: unknown }): string | undefined {
  if (task.progress) {
    try {
      const parsed: unknown = JSON.parse(task.progress);
      if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { fileId?: unknown }).fileId === 'string') return (parsed as { fileId: string }).fileId;
    } catch {
      // not JSON: still running, or a plain-text progress message
    }
  }
  if (typeof task.additionalStatusURL === 'string') return /\/file\/([0-9a-fA-F-]{36})$/.exec(task.additionalStatusURL)?.[1];
  return undefined;
}

function requireId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

const enc = encodeURIComponent;
const query = (q: object): Record<string, QueryValue> => q as Record<string, QueryValue>;

/** The analysis methods over a client's `send` (token, resilience, validation). */
export function analysisMethods(send: CatalystSend): CatalystAnalysisApi {
  return {
    getNetworkHealth: (q = {}, o = {}) =>
      send({ method: 'GET', path: '/dna/intent/api/v1/network-health', operation: 'GET /network-health', schema: NetworkHealthSchema, idempotent: true, envelope: false, query: query(q), signal: o.signal }),

    getSiteHealth: (q = {}, o = {}) =>
      send({ method: 'GET', path: '/dna/intent/api/v1/site-health', operation: 'GET /site-health', schema: z.array(SiteHealthSchema), idempotent: true, envelope: true, query: query(q), signal: o.signal }),

    getDeviceHealth: (q = {}, o = {}) =>
      send({ method: 'GET', path: '/dna/intent/api/v1/device-health', operation: 'GET /device-health', schema: z.array(DeviceHealthSchema), idempotent: true, envelope: true, query: query(q), signal: o.signal }),

    getClientHealth: (q = {}, o = {}) =>
      send({ method: 'GET', path: '/dna/intent/api/v1/client-health', operation: 'GET /client-health', schema: z.array(ClientHealthSchema), idempotent: true, envelope: true, query: query(q), signal: o.signal }),

    listIssues: (q = {}, o = {}) =>
      send({ method: 'GET', path: '/dna/intent/api/v1/issues', operation: 'GET /issues', schema: z.array(IssueSchema), idempotent: true, envelope: true, query: query(q), signal: o.signal }),

    async getIssueEnrichment(issueId, o = {}) {
      const body = await send({
        method: 'GET',
        path: '/dna/intent/api/v1/issue-enrichment-details',
        operation: 'GET /issue-enrichment-details',
        schema: z.looseObject({ issueDetails: z.looseObject({ issue: z.array(IssueEnrichmentSchema).nullish() }).nullish() }),
        idempotent: true,
        envelope: false,
        headers: { entity_type: 'issue_id', entity_value: requireId(issueId, 'issueId') },
        signal: o.signal,
      });
      return body.issueDetails?.issue?.find((i) => i.issueId === issueId);
    },

    listLegitReads: (o = {}) =>
      send({ method: 'GET', path: '/dna/intent/api/v1/network-device-poller/cli/legit-reads', operation: 'GET /network-device-poller/cli/legit-reads', schema: z.array(z.string()), idempotent: true, envelope: true, signal: o.signal }),

    async runReadOnlyCommands(request, o = {}) {
      if (!Array.isArray(request?.commands) || request.commands.length === 0 || request.commands.some((c) => typeof c !== 'string' || c === '')) throw new TypeError('commands must list at least one command');
      if (!Array.isArray(request.deviceUuids) || request.deviceUuids.length === 0) throw new TypeError('deviceUuids must list at least one device');
      return send({
        method: 'POST',
        path: '/dna/intent/api/v1/network-device-poller/cli/read-request',
        operation: 'POST /network-device-poller/cli/read-request',
        schema: TaskRefSchema,
        idempotent: false,
        envelope: true,
        body: {
          commands: request.commands,
          deviceUuids: request.deviceUuids,
          ...(request.timeout !== undefined ? { timeout: request.timeout } : {}),
          ...(request.name !== undefined ? { name: request.name } : {}),
          ...(request.description !== undefined ? { description: request.description } : {}),
        },
        signal: o.signal,
      });
    },

    getCommandRunnerFile: (fileId, o = {}) =>
      send({
        method: 'GET',
        path: `/dna/intent/api/v1/file/${enc(requireId(fileId, 'fileId'))}`,
        operation: 'GET /file/{fileId}',
        schema: z.array(CommandRunnerResultSchema),
        idempotent: true,
        envelope: false,
        signal: o.signal,
        ...(o.maxBytes !== undefined ? { maxBodyBytes: o.maxBytes } : {}),
      }),

    startPathTrace(request, o = {}) {
      requireId(request?.sourceIP, 'sourceIP');
      requireId(request.destIP, 'destIP');
      return send({ method: 'POST', path: '/dna/intent/api/v1/flow-analysis', operation: 'POST /flow-analysis', schema: PathTraceRefSchema, idempotent: false, envelope: true, body: { ...request }, signal: o.signal });
    },

    getPathTrace: (flowAnalysisId, o = {}) =>
      send({
        method: 'GET',
        path: `/dna/intent/api/v1/flow-analysis/${enc(requireId(flowAnalysisId, 'flowAnalysisId'))}`,
        operation: 'GET /flow-analysis/{flowAnalysisId}',
        schema: PathTraceSchema,
        idempotent: true,
        fresh: false,
        envelope: true,
        signal: o.signal,
      }),

    listConfigFiles: (q = {}, o = {}) =>
      send({ method: 'GET', path: '/dna/intent/api/v1/networkDeviceConfigFiles', operation: 'GET /networkDeviceConfigFiles', schema: z.array(ConfigFileSchema), idempotent: true, envelope: true, query: query(q), signal: o.signal }),

    downloadMaskedConfig: (fileId, o = {}) =>
      send({
        method: 'POST',
        path: `/dna/intent/api/v1/networkDeviceConfigFiles/${enc(requireId(fileId, 'fileId'))}/downloadMasked`,
        operation: 'POST /networkDeviceConfigFiles/{id}/downloadMasked',
        schema: z.string(),
        // A download changes nothing: safe to retry.
        idempotent: true,
        envelope: false,
        responseType: 'text',
        signal: o.signal,
        ...(o.maxBytes !== undefined ? { maxBodyBytes: o.maxBytes } : {}),
      }),
  };
}
