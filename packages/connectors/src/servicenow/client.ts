import type { CallOptions, UpstreamClientOptions } from '../shared.ts';
import { request as undiciRequest } from 'undici';
import type { z } from 'zod';
import {
  UpstreamAuthError,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamResponseInvalidError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  createUpstreamAgent,
  createUpstreamPolicy,
  httpStatusError,
  isNetworkError,
  requestJson,
  sanitizeUpstreamMessage,
  type BreakerState,
  type HttpMethod,
  type QueryValue,
} from '@mcp-platform/mcp-common/resilience';
import { ResourceChangedError } from '@mcp-platform/mcp-common/binding';
import { encodeQuery } from './query.ts';
import {
  APPROVAL_FIELDS,
  ApprovalSchema,
  CHANGE_FIELDS,
  CHANGE_STATE,
  ChangeRequestSchema,
  INCIDENT_FIELDS,
  INCIDENT_STATE,
  IncidentSchema,
  ServiceNowErrorBodySchema,
  UserRefSchema,
  type Approval,
  type ApprovalDecision,
  type ApprovalOutcome,
  type ChangeRequest,
  type ChangeRequestFields,
  type ChangeStateName,
  type CreateResult,
  type Incident,
  type IncidentFields,
  type Page,
  type SearchOptions,
} from './types.ts';

const UPSTREAM = 'servicenow';

/** Basic-auth credentials of an integration user. */
export interface ServiceNowBasicCredentials {
  username: string;
  password: string;
}

/** OAuth client credentials (`POST /oauth_token.do`, `grant_type=client_credentials`). */
export interface ServiceNowOAuthCredentials {
  clientId: string;
  clientSecret: string;
}

export type ServiceNowCredentials = ServiceNowBasicCredentials | ServiceNowOAuthCredentials;

/**
 * Options of {@link createServiceNowClient}.
 *
 * @example
 * ```ts
 * const options: ServiceNowClientOptions = { instanceUrl: 'https://acme.service-now.com', credentials: async () => ({ username, password }) };
 * ```
 */
export interface ServiceNowClientOptions extends UpstreamClientOptions<ServiceNowCredentials> {
  /** e.g. `https://acme.service-now.com`. */
  instanceUrl: string;
  /** Re-request an OAuth token this long before it expires, in ms. Default 60000. */
  tokenRefreshMarginMs?: number;
}

/** Options of an idempotent create. */
export interface CreateOptions extends CallOptions {
  /**
   * Client-supplied idempotency key, stored in the record's `correlation_id`. When a record
   * with this `correlation_id` exists, it is returned and nothing is inserted.
   */
  correlationId?: string;
  /**
   * More `correlation_id` values that mean "this create already happened" (a generated key's
   * previous window, see `idempotencyKeys`). Only with `correlationId`.
   */
  matchCorrelationIds?: readonly string[];
}

/** Options of an update. */
export interface UpdateOptions extends CallOptions {
  /**
   * Write only if the record's `sys_mod_count` is still this value (the version the caller
   * decided on); otherwise `ResourceChangedError` and nothing is written. The Table API has no
   * conditional PATCH (no ETag / If-Match: https://docs.servicenow.com/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html),
   * so this is a read of `sys_mod_count` right before the PATCH — callers hold the platform's
   * per-resource lock around it, which excludes every writer that goes through the platform.
   */
  expectedModCount?: string;
}

/**
 * A typed ServiceNow Table API client (see {@link createServiceNowClient}). Flat, so that
 * the spine's `withUpstreamCredentials` wraps every upstream call.
 *
 * @example
 * ```ts
 * const { records, nextOffset } = await sn.searchIncidents({ query: encodeQuery([{ field: 'active', op: '=', value: true }]), limit: 20 });
 * const inc = await sn.getIncident('INC0010001');
 * ```
 */
export interface ServiceNowClient {
  /** `GET /api/now/table/incident` with an encoded query and paging. */
  searchIncidents(options?: SearchOptions, call?: CallOptions): Promise<Page<Incident>>;
  /** One incident by sys_id (32 hex) or number (`INC0010001`); unknown → `ERR_UPSTREAM_NOT_FOUND`. */
  getIncident(idOrNumber: string, call?: CallOptions): Promise<Incident>;
  /** `POST /api/now/table/incident`; idempotent when `correlationId` is given (see {@link CreateOptions}). */
  createIncident(fields: IncidentFields & { short_description: string; workNote?: string }, options?: CreateOptions): Promise<CreateResult<Incident>>;
  /** `PATCH /api/now/table/incident/{sys_id}`; `workNote` appends to the work-notes journal. Never retried. */
  updateIncident(sysId: string, fields: IncidentFields & { workNote?: string }, call?: UpdateOptions): Promise<Incident>;
  /** Sets state Resolved with the mandatory `close_code` / `close_notes`. */
  resolveIncident(sysId: string, resolution: { closeCode: string; closeNotes: string; workNote?: string }, call?: CallOptions): Promise<Incident>;
  /** `GET /api/now/table/change_request` with an encoded query and paging. */
  searchChangeRequests(options?: SearchOptions, call?: CallOptions): Promise<Page<ChangeRequest>>;
  /** One change by sys_id or number (`CHG0030001`). */
  getChangeRequest(idOrNumber: string, call?: CallOptions): Promise<ChangeRequest>;
  /** Creates a change in state New; idempotent when `correlationId` is given. */
  createChangeRequest(fields: ChangeRequestFields & { short_description: string }, options?: CreateOptions): Promise<CreateResult<ChangeRequest>>;
  /**
   * Updates fields and/or moves the change to `state` (ServiceNow enforces the state model and
   * answers 403 for a transition it does not allow → `ERR_UPSTREAM_REJECTED`). `closeCode` /
   * `closeNotes` are required to close. Never retried.
   */
  updateChangeRequest(
    sysId: string,
    fields: ChangeRequestFields & { state?: ChangeStateName; workNote?: string; closeCode?: string; closeNotes?: string },
    call?: UpdateOptions,
  ): Promise<ChangeRequest>;
  /**
   * The approval records of a change (`GET /api/now/table/sysapproval_approver?sysparm_query=sysapproval=<sys_id>`),
   * oldest first, each with its approver's `user_name`.
   */
  searchChangeApprovals(changeSysId: string, call?: CallOptions): Promise<Approval[]>;
  /**
   * The `sys_user` whose `user_name` is `userName` (`GET /api/now/table/sys_user?sysparm_query=user_name=<name>`),
   * or `undefined` when the instance has none — a platform identity need not be a ServiceNow user.
   */
  findUserByName(userName: string, call?: CallOptions): Promise<{ sysId: string; userName: string } | undefined>;
  /**
   * Records `approver`'s decision in their own approval record of the change (`PATCH
   * /api/now/table/sysapproval_approver/{sys_id}` with `state` and `comments`), then reads the change
   * (the instance's approval rule moves it: approved → Scheduled, rejected → New). One decision per
   * change: when the change already has one (a retry of this call, or someone else's), nothing is
   * written and that decision is answered (`recorded: false`). No pending approval of `approver` →
   * `ERR_UPSTREAM_REJECTED`. A PATCH whose answer was lost (timeout, 5xx) is looked up again before
   * it is reported failed. Check-then-write like `expectedModCount`: callers hold the platform's
   * per-resource lock on the change so that two approvers cannot both write.
   */
  decideChangeApproval(changeSysId: string, decision: ApprovalDecision, call?: CallOptions): Promise<ApprovalOutcome>;
  /** State of this upstream's circuit breaker. */
  breakerState(): BreakerState;
  /** Closes the connection pool and disposes the policy. */
  close(): Promise<void>;
}

const SYS_ID = /^[0-9a-f]{32}$/;
/** A `sys_user.user_name` the connector puts into a query (no `^`, `,` or spaces). */
const USER_NAME = /^[A-Za-z0-9._@-]{1,100}$/;
/** Errors that prove a write did not happen (a refusal, or no request at all); any other failure of a PATCH is looked up again. */
const NOT_WRITTEN = new Set(['ERR_UPSTREAM_REJECTED', 'ERR_UPSTREAM_NOT_FOUND', 'ERR_UPSTREAM_AUTH', 'ERR_CIRCUIT_OPEN', 'ERR_UPSTREAM_DEGRADED', 'ERR_RESOURCE_CHANGED', 'ERR_UPSTREAM_RATE_LIMITED']);
const ModCountSchema = IncidentSchema.pick({ sys_id: true, sys_mod_count: true });
const RISK = { high: '2', moderate: '3', low: '4' } as const;

/** ServiceNow's `{"error":{"message","detail"}}` → a safe one-line explanation. */
export function serviceNowErrorMessage(body: unknown): string | undefined {
  const parsed = ServiceNowErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const m = sanitizeUpstreamMessage(parsed.data.error.message);
  const d = sanitizeUpstreamMessage(parsed.data.error.detail);
  if (m && d && d !== m) return `${m}: ${d}`;
  return m ?? d;
}

/** The `sysparm_offset` of the `rel="next"` link of a `Link` header, if any. */
export function nextOffsetFromLink(link: string | string[] | undefined): number | null {
  const text = Array.isArray(link) ? link.join(',') : link;
  if (!text) return null;
  for (const part of text.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!m?.[1]) continue;
    try {
      const offset = Number(new URL(m[1]).searchParams.get('sysparm_offset'));
      return Number.isInteger(offset) && offset >= 0 ? offset : null;
    } catch {
      return null;
    }
  }
  return null;
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

function checkSearch(o: SearchOptions): { limit: number; offset: number } {
  const limit = o.limit ?? 20;
  const offset = o.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new TypeError('limit must be an integer between 1 and 1000');
  if (!Number.isInteger(offset) || offset < 0) throw new TypeError('offset must be a non-negative integer');
  return { limit, offset };
}

/** Client field names → ServiceNow body (state names → values, numbers → strings). */
function incidentBody(fields: IncidentFields): Record<string, string> {
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    body[k] = k === 'state' ? INCIDENT_STATE[v as keyof typeof INCIDENT_STATE] : String(v);
  }
  return body;
}

function changeBody(fields: ChangeRequestFields): Record<string, string> {
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    body[k] = k === 'risk' ? RISK[v as keyof typeof RISK] : String(v);
  }
  return body;
}

/**
 * Creates a ServiceNow Table API client: Basic auth or OAuth client credentials (token cached
 * until shortly before `expires_in`, fetched again once when ServiceNow answers 401), the shared
 * upstream policy (timeouts; retries — also on 429, honouring `Retry-After` — for GETs only;
 * circuit breaker), `sysparm_display_value=all` so every field carries its value and its
 * display value, zod-validated records, and `X-Total-Count` / `Link` paging.
 *
 * Idempotent creates look for `correlation_id=<id>` first and insert only when nothing matched.
 * This is check-then-insert, not a database constraint: two calls with the same id running at
 * the same moment can both miss and insert twice. Callers that retry sequentially (Temporal
 * activities, MCP clients retrying after a timeout) are covered; for strict uniqueness add a
 * unique index on `correlation_id` in the instance.
 *
 * @example
 * ```ts
 * const sn = createServiceNowClient({
 *   instanceUrl: 'https://acme.service-now.com',
 *   credentials: async () => ({ username, password }), // in a service: withUpstreamCredentials hands this over
 * });
 * const { record, created } = await sn.createIncident({ short_description: 'VPN down', impact: 2, urgency: 2 }, { correlationId: 'wf-42' });
 * ```
 */
export function createServiceNowClient(options: ServiceNowClientOptions): ServiceNowClient {
  if (typeof options.instanceUrl !== 'string' || !/^https?:\/\//.test(options.instanceUrl)) throw new TypeError('instanceUrl must be an http(s) URL');
  if (typeof options.credentials !== 'function') throw new TypeError('credentials must be a function');
  const base = options.instanceUrl.replace(/\/+$/, '');
  const logger = options.logger?.child({ upstream: { name: UPSTREAM } });
  const policy = createUpstreamPolicy({ ...options.policy, name: options.policy?.name ?? UPSTREAM, logger: options.policy?.logger ?? options.logger });
  const timeoutMs = options.policy?.timeoutMs ?? 10_000;
  const marginMs = options.tokenRefreshMarginMs ?? 60_000;
  const agent = createUpstreamAgent();

  let token: { value: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  const rejected = (): void => {
    logger?.warn('servicenow rejected the credentials', { event: { action: 'upstream-auth', outcome: 'failure' } });
  };

  async function fetchToken(c: ServiceNowOAuthCredentials): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString();
    let status: number;
    let text: string;
    try {
      const res = await undiciRequest(`${base}/oauth_token.do`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') throw new UpstreamTimeoutError(UPSTREAM, timeoutMs, { cause: err });
      if (isNetworkError(err)) throw new UpstreamUnavailableError(UPSTREAM, { cause: err });
      throw err;
    }
    // 400/401 from the token endpoint both mean "these client credentials do not work".
    if (status === 400 || status === 401) throw new UpstreamAuthError(UPSTREAM, { status });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status < 200 || status >= 300) throw httpStatusError({ upstream: UPSTREAM, status, body, authStatuses: [] });
    const parsed = body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof parsed?.access_token !== 'string' || parsed.access_token === '') throw new UpstreamResponseInvalidError(UPSTREAM, 'POST /oauth_token.do');
    const expiresIn = typeof parsed.expires_in === 'number' ? parsed.expires_in : 1799;
    token = { value: parsed.access_token, expiresAt: Date.now() + expiresIn * 1000 };
    logger?.debug('servicenow oauth token obtained', { event: { action: 'upstream-auth', outcome: 'success' } });
    return parsed.access_token;
  }

  /** The Authorization header value, and whether a 401 may be cured by a fresh OAuth token. */
  async function authorization(): Promise<{ header: string; oauth: boolean }> {
    if (token && Date.now() < token.expiresAt - marginMs) return { header: `Bearer ${token.value}`, oauth: true };
    const c = await options.credentials();
    if ('username' in c && typeof c.username === 'string') {
      return { header: `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`, oauth: false };
    }
    if (!('clientId' in c) || typeof c.clientId !== 'string' || typeof c.clientSecret !== 'string') {
      throw new TypeError('servicenow credentials must have username/password or clientId/clientSecret');
    }
    inflight ??= fetchToken(c).finally(() => {
      inflight = undefined;
    });
    try {
      return { header: `Bearer ${await inflight}`, oauth: true };
    } catch (err) {
      if (err instanceof UpstreamAuthError) rejected();
      throw err;
    }
  }

  interface SendInput<S extends z.ZodType> {
    method: HttpMethod;
    path: string;
    operation: string;
    query?: Record<string, QueryValue>;
    body?: unknown;
    signal?: AbortSignal;
    schema: S;
  }

  async function send<S extends z.ZodType>(input: SendInput<S>): Promise<{ result: z.output<S>; headers: Record<string, string | string[] | undefined> }> {
    const call = async (header: string, signal: AbortSignal) =>
      requestJson<unknown>({
        upstream: UPSTREAM,
        method: input.method,
        url: `${base}${input.path}`,
        query: { ...input.query, sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' },
        body: input.body,
        headers: { authorization: header },
        signal,
        dispatcher: agent,
        // 403 on ServiceNow is an ACL / business rule / data policy refusal, not a bad credential.
        authStatuses: [401],
        errorMessage: serviceNowErrorMessage,
      });
    const res = await policy.execute(
      async (signal) => {
        const auth = await authorization();
        try {
          return await call(auth.header, signal);
        } catch (err) {
          if (!(err instanceof UpstreamAuthError)) throw err;
          if (!auth.oauth) {
            rejected();
            throw err;
          }
          // Expired or revoked OAuth token: get a new one once and repeat (a 401 means nothing was written).
          if (token && auth.header === `Bearer ${token.value}`) token = undefined;
          logger?.info('servicenow token rejected; requesting a new one', { event: { action: 'upstream-auth' }, labels: { operation: input.operation } });
          const fresh = await authorization();
          try {
            return await call(fresh.header, signal);
          } catch (again) {
            if (again instanceof UpstreamAuthError) rejected();
            throw again;
          }
        }
      },
      // Only reads are retried: a repeated POST inserts twice, a repeated PATCH appends a work note twice.
      {
        idempotent: input.method === 'GET',
        signal: input.signal,
        // Reads are cached for degraded mode (when the policy has a read cache): answered stale while the breaker is open.
        ...(input.method === 'GET' ? { cacheKey: `${input.path} ${JSON.stringify(input.query ?? {})}` } : {}),
      },
    );
    const envelope = res.body as { result?: unknown } | undefined;
    const parsed = input.schema.safeParse(envelope?.result);
    if (!parsed.success) {
      logger?.warn('servicenow response failed validation', { labels: { operation: input.operation } });
      throw new UpstreamResponseInvalidError(UPSTREAM, input.operation, { cause: parsed.error });
    }
    logger?.debug('servicenow call', { labels: { operation: input.operation } });
    return { result: parsed.data as z.output<S>, headers: res.headers };
  }

  function table<T extends { correlation_id: { value: string } }, S extends z.ZodType<T>>(name: string, schema: S, fields: string[], numberPrefix: string) {
    const path = `/api/now/table/${name}`;
    const sysparm_fields = fields.join(',');

    async function search(o: SearchOptions = {}, call: CallOptions = {}): Promise<Page<T>> {
      const { limit, offset } = checkSearch(o);
      const { result, headers } = await send({
        method: 'GET',
        path,
        operation: `GET /table/${name}`,
        query: { sysparm_query: o.query || undefined, sysparm_limit: limit, sysparm_offset: offset, sysparm_fields },
        signal: call.signal,
        schema: schema.array(),
      });
      const records = result as T[];
      const totalHeader = Number(Array.isArray(headers['x-total-count']) ? headers['x-total-count'][0] : headers['x-total-count']);
      const total = Number.isInteger(totalHeader) ? totalHeader : offset + records.length;
      const fromLink = nextOffsetFromLink(headers['link']);
      const nextOffset = fromLink ?? (offset + records.length < total && records.length > 0 ? offset + records.length : null);
      return { records, total, nextOffset };
    }

    async function get(idOrNumber: string, call: CallOptions = {}): Promise<T> {
      const id = requireText(idOrNumber, 'idOrNumber').trim();
      if (SYS_ID.test(id)) {
        const { result } = await send({ method: 'GET', path: `${path}/${id}`, operation: `GET /table/${name}/{sys_id}`, query: { sysparm_fields }, signal: call.signal, schema });
        return result as T;
      }
      if (!new RegExp(`^${numberPrefix}\\d{7,}$`, 'i').test(id)) throw new TypeError(`expected a sys_id or a ${numberPrefix} number, got "${id.slice(0, 40)}"`);
      const page = await search({ query: encodeQuery([{ field: 'number', op: '=', value: id.toUpperCase() }]), limit: 1 }, call);
      const found = page.records[0];
      if (!found) throw new UpstreamNotFoundError(UPSTREAM, `no ${name} ${id.toUpperCase()}`);
      return found;
    }

    async function create(body: Record<string, string>, o: CreateOptions = {}): Promise<CreateResult<T>> {
      if (o.correlationId !== undefined) {
        const correlationId = requireText(o.correlationId, 'correlationId');
        const ids = [...new Set([correlationId, ...(o.matchCorrelationIds ?? []).map((id) => requireText(id, 'matchCorrelationIds'))])];
        const existing = await search(
          { query: encodeQuery([ids.length === 1 ? { field: 'correlation_id', op: '=', value: correlationId } : { field: 'correlation_id', op: 'IN', value: ids }], [{ field: 'sys_created_on' }]), limit: 1 },
          o,
        );
        const record = existing.records[0];
        if (record) {
          // An instance drops a condition it cannot evaluate (unknown or unreadable field; glide.invalid_query.returns_no_rows
          // false, the default) and then matches every record: never take a stranger's record for ours — nor insert blindly.
          if (!ids.includes(record.correlation_id.value)) {
            throw new UpstreamResponseInvalidError(UPSTREAM, `GET /table/${name} by correlation_id (the instance ignored the condition; is correlation_id readable?)`);
          }
          logger?.info('servicenow create skipped: correlation id already used', { labels: { table: name } });
          return { record, created: false };
        }
        body = { ...body, correlation_id: correlationId };
      }
      const { result } = await send({ method: 'POST', path, operation: `POST /table/${name}`, query: { sysparm_fields }, body, signal: o.signal, schema });
      return { record: result as T, created: true };
    }

    async function patch(sysId: string, body: Record<string, string>, call: UpdateOptions = {}): Promise<T> {
      if (!SYS_ID.test(requireText(sysId, 'sysId'))) throw new TypeError('sysId must be a 32-character hex sys_id');
      if (Object.keys(body).length === 0) throw new TypeError('nothing to update');
      if (call.expectedModCount !== undefined) {
        const { result: current } = await send({
          method: 'GET',
          path: `${path}/${sysId}`,
          operation: `GET /table/${name}/{sys_id}`,
          query: { sysparm_fields: 'sys_id,sys_mod_count' },
          signal: call.signal,
          schema: ModCountSchema,
        });
        if (current.sys_mod_count.value !== call.expectedModCount) throw new ResourceChangedError(`${name} ${sysId}`);
      }
      const { result } = await send({ method: 'PATCH', path: `${path}/${sysId}`, operation: `PATCH /table/${name}/{sys_id}`, query: { sysparm_fields }, body, signal: call.signal, schema });
      return result as T;
    }

    return { search, get, create, patch };
  }

  const incidentTable = table<Incident, typeof IncidentSchema>('incident', IncidentSchema, INCIDENT_FIELDS, 'INC');
  const changeTable = table<ChangeRequest, typeof ChangeRequestSchema>('change_request', ChangeRequestSchema, CHANGE_FIELDS, 'CHG');

  // Classic approvals (`sysapproval_approver`): https://www.servicenow.com/docs/r/build-workflows/approvals/r_Approvals.html
  const APPROVALS = '/api/now/table/sysapproval_approver';
  async function searchApprovals(changeSysId: string, call: CallOptions = {}): Promise<Approval[]> {
    if (!SYS_ID.test(requireText(changeSysId, 'changeSysId'))) throw new TypeError('changeSysId must be a 32-character hex sys_id');
    const { result } = await send({
      method: 'GET',
      path: APPROVALS,
      operation: 'GET /table/sysapproval_approver',
      query: { sysparm_query: encodeQuery([{ field: 'sysapproval', op: '=', value: changeSysId }], [{ field: 'sys_created_on' }]), sysparm_limit: 1000, sysparm_fields: APPROVAL_FIELDS.join(',') },
      signal: call.signal,
      schema: ApprovalSchema.array(),
    });
    // An instance drops a condition it cannot evaluate and matches everything (glide.invalid_query.returns_no_rows
    // false, the default): never take another change's approvals for this one's.
    if (result.some((a) => a.sysapproval.value !== changeSysId)) {
      throw new UpstreamResponseInvalidError(UPSTREAM, 'GET /table/sysapproval_approver by sysapproval (the instance ignored the condition; is sysapproval readable?)');
    }
    return result;
  }

  // Users (`sys_user`): https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
  async function findUserByName(userName: string, call: CallOptions = {}): Promise<{ sysId: string; userName: string } | undefined> {
    if (!USER_NAME.test(requireText(userName, 'userName'))) throw new TypeError('userName must be a user_name (letters, digits, . _ @ -)');
    const { result } = await send({
      method: 'GET',
      path: '/api/now/table/sys_user',
      operation: 'GET /table/sys_user by user_name',
      query: { sysparm_query: encodeQuery([{ field: 'user_name', op: '=', value: userName }]), sysparm_limit: 2, sysparm_fields: 'sys_id,user_name' },
      signal: call.signal,
      schema: UserRefSchema.array(),
    });
    // An instance that drops a condition it cannot evaluate matches everything: take only the exact user.
    const exact = result.filter((u) => u.user_name.value === userName);
    if (exact.length !== result.length) throw new UpstreamResponseInvalidError(UPSTREAM, 'GET /table/sys_user by user_name (the instance ignored the condition; is user_name readable?)');
    return exact[0] ? { sysId: exact[0].sys_id, userName } : undefined;
  }

  async function decideApproval(changeSysId: string, input: ApprovalDecision, call: CallOptions = {}): Promise<ApprovalOutcome> {
    const approver = requireText(input?.approver, 'approver');
    if (!USER_NAME.test(approver)) throw new TypeError('approver must be a user_name (letters, digits, . _ @ -)');
    if (input.decision !== 'approved' && input.decision !== 'rejected') throw new TypeError('decision must be "approved" or "rejected"');
    if (input.comments !== undefined) requireText(input.comments, 'comments');
    if (input.decision === 'rejected' && input.comments === undefined) throw new TypeError('comments are required to reject (the reason)');
    // The decision stands even when the read of the change after it fails.
    const readChange = () => changeTable.get(changeSysId, call).catch((): null => null);
    for (let attempt = 0; ; attempt++) {
      // The change's `approval` says whether this round is decided: records of an earlier round (a change rejected,
      // back to New, submitted again) stay decided but no longer count.
      const before = await changeTable.get(changeSysId, call);
      const approvals = await searchApprovals(changeSysId, call);
      const status = before.approval.value;
      if (status === 'approved' || status === 'rejected') {
        const decided = approvals.filter((a) => a.state.value === status).sort((a, b) => (a.sys_updated_on.value < b.sys_updated_on.value ? 1 : -1))[0];
        if (!decided) throw new UpstreamRejectedError(UPSTREAM, `the change is already ${status}, by no approval record`);
        return { approval: decided, recorded: false, change: before };
      }
      const mine = approvals.find((a) => a['approver.user_name'].value === approver && a.state.value === 'requested');
      if (status !== 'requested' || !mine) throw new UpstreamRejectedError(UPSTREAM, `no approval of this change is pending for ${approver} (sysapproval_approver)`);
      const body = { state: input.decision, ...(input.comments !== undefined ? { comments: input.comments } : {}) };
      try {
        const { result } = await send({
          method: 'GET',
          path: `${APPROVALS}/${mine.sys_id}`,
          operation: 'GET /table/sysapproval_approver/{sys_id}',
          query: { sysparm_fields: 'sys_id,state,sys_mod_count' },
          signal: call.signal,
          schema: ApprovalSchema.pick({ sys_id: true, state: true, sys_mod_count: true }),
        });
        // Decided or changed since the list was read (another approver, another replica): read again.
        if (result.state.value !== 'requested' || result.sys_mod_count.value !== mine.sys_mod_count.value) throw new ResourceChangedError(`sysapproval_approver ${mine.sys_id}`);
        const { result: written } = await send({
          method: 'PATCH',
          path: `${APPROVALS}/${mine.sys_id}`,
          operation: 'PATCH /table/sysapproval_approver/{sys_id}',
          query: { sysparm_fields: APPROVAL_FIELDS.join(',') },
          body,
          signal: call.signal,
          schema: ApprovalSchema,
        });
        logger?.info('servicenow approval decided', { labels: { decision: input.decision } });
        return { approval: written, recorded: true, change: await readChange() };
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (code === 'ERR_RESOURCE_CHANGED' && attempt < 2) continue;
        if (NOT_WRITTEN.has(code)) throw err;
        // The PATCH may have been applied although its answer was lost: look before reporting a failure.
        const again = await searchApprovals(changeSysId, call).catch((): Approval[] => []);
        const applied = again.find((a) => a.sys_id === mine.sys_id && a.state.value === input.decision);
        if (applied) return { approval: applied, recorded: true, change: await readChange() };
        throw err;
      }
    }
  }

  return {
    searchIncidents: incidentTable.search,
    getIncident: incidentTable.get,
    createIncident({ workNote, ...fields }, o) {
      requireText(fields?.short_description, 'short_description');
      const body = incidentBody(fields);
      // The first work note goes in with the insert: one write, nothing to fail after the incident exists.
      if (workNote !== undefined) body['work_notes'] = requireText(workNote, 'workNote');
      return incidentTable.create(body, o);
    },
    updateIncident(sysId, { workNote, ...fields }, call) {
      const body = incidentBody(fields);
      if (workNote !== undefined) body['work_notes'] = requireText(workNote, 'workNote');
      return incidentTable.patch(sysId, body, call);
    },
    resolveIncident(sysId, resolution, call) {
      const body: Record<string, string> = {
        state: INCIDENT_STATE.resolved,
        close_code: requireText(resolution?.closeCode, 'closeCode'),
        close_notes: requireText(resolution.closeNotes, 'closeNotes'),
      };
      if (resolution.workNote !== undefined) body['work_notes'] = requireText(resolution.workNote, 'workNote');
      return incidentTable.patch(sysId, body, call);
    },
    searchChangeRequests: changeTable.search,
    getChangeRequest: changeTable.get,
    createChangeRequest(fields, o) {
      requireText(fields?.short_description, 'short_description');
      return changeTable.create(changeBody(fields), o);
    },
    updateChangeRequest(sysId, { state, workNote, closeCode, closeNotes, ...fields }, call) {
      const body = changeBody(fields);
      if (state !== undefined) {
        if (!(state in CHANGE_STATE)) throw new TypeError(`unknown change state ${String(state)}`);
        body['state'] = CHANGE_STATE[state];
      }
      if (workNote !== undefined) body['work_notes'] = requireText(workNote, 'workNote');
      if (closeCode !== undefined) body['close_code'] = closeCode;
      if (closeNotes !== undefined) body['close_notes'] = closeNotes;
      return changeTable.patch(sysId, body, call);
    },
    searchChangeApprovals: searchApprovals,
    findUserByName,
    decideChangeApproval: decideApproval,
    breakerState: () => policy.breakerState(),
    async close() {
      policy.dispose();
      await agent.close();
    },
  };
}

export type { CallOptions } from '../shared.ts';
