import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { APPROVAL_STATES, applyApprovalRule, endPendingApprovals, requestApprovals } from './approvals.ts';
import { EncodedQueryError, applyEncodedQuery, parseEncodedQuery } from './encoded-query.ts';
import { defaultServiceNowSeed, priorityOf, type ServiceNowSeed, type SimJournalEntry, type SimRecord } from './seed.ts';
import { listenApp } from '../internal/http.ts';
import { appendRequest, requestLogLimit } from '../internal/request-log.ts';
import { silentLogger, type SandboxLogger } from '../internal/logger.ts';

/** Structured logger the simulator writes to (structurally a subset of mcp-common's `Logger`). */
export type ServiceNowSimLogger = SandboxLogger;

/**
 * Options of {@link startServiceNowSimulator}.
 *
 * @example
 * ```ts
 * await startServiceNowSimulator({ port: 0, username: 'admin', password: 'dev-only', oauthClient: { clientId: 'mcp', clientSecret: 's' } });
 * ```
 */
export interface ServiceNowSimulatorOptions {
  /** TCP port; `0` picks a free one. Default 9402. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Integration user accepted by HTTP Basic (and the user OAuth tokens act as). */
  username: string;
  /** Its password. Never logged. */
  password: string;
  /** An OAuth client accepted by `POST /oauth_token.do` (`grant_type=client_credentials`). */
  oauthClient?: { clientId: string; clientSecret: string };
  /** Lifetime of an OAuth access token, in seconds. Default 1799 (ServiceNow's default). */
  tokenTtlSeconds?: number;
  /** Data to serve. Default {@link defaultServiceNowSeed}(). */
  seed?: ServiceNowSeed;
  /** How many of the newest requests `state.requests` keeps (the oldest are dropped). Default 10000. */
  requestLogLimit?: number;
  /**
   * The instance's `glide.invalid_query.returns_no_rows` system property. Default false, as on a
   * new instance: a query condition on an unknown field is dropped and the rest runs (it may match
   * every record); true: such a query returns no records.
   */
  invalidQueryReturnsNoRows?: boolean;
  /**
   * The group (`sys_user_group.name`) whose members are asked to approve a normal or emergency
   * change when it enters Authorize (one `sysapproval_approver` record each; the first decision
   * counts). Default `change-approvers`.
   */
  changeApprovalGroup?: string;
  logger?: ServiceNowSimLogger;
}

/** A request the simulator answered (method, path, query and status only — never headers or bodies). */
export interface ServiceNowSimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

/**
 * Live, mutable state of a running simulator.
 *
 * @example
 * ```ts
 * expect(sim.state.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
 * ```
 */
export interface ServiceNowSimulatorState {
  /** Rows by table (`incident`, `change_request`, `sys_user_group`, `sys_user`, `sys_user_grmember`, `sysapproval_approver`). */
  tables: Record<TableName, SimRecord[]>;
  /** Work notes (`sys_journal_field`). */
  journal: SimJournalEntry[];
  /** The requests answered, in order: the newest `requestLogLimit` (default 10000). */
  requests: ServiceNowSimRequest[];
  /**
   * Every list query with a condition on a field the table does not have (ServiceNow drops such a
   * condition, see `invalidQueryReturnsNoRows`): tests assert clients never send one.
   */
  invalidQueries: { table: string; query: string; fields: string[] }[];
}

/**
 * What {@link startServiceNowSimulator} returns.
 *
 * @example
 * ```ts
 * sim.failNext(1, 429, { retryAfterSeconds: 1 }); await sim.stop();
 * ```
 */
export interface ServiceNowSimulator {
  /** Instance URL, e.g. `http://127.0.0.1:9402`. */
  url: string;
  state: ServiceNowSimulatorState;
  /**
   * Answers the next `n` Table API requests (`/api/now/…`; not the token endpoint) with `status`
   * and a ServiceNow error body. A 429 carries `Retry-After` (default 1 second).
   */
  failNext(n: number, status: number, options?: { retryAfterSeconds?: number; method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' }): void;
  /** Changes the accepted Basic credentials. */
  setCredentials(credentials: { username: string; password: string }): void;
  /** Expires every OAuth token issued so far. */
  expireTokens(): void;
  stop(): Promise<void>;
}

type TableName = 'incident' | 'change_request' | 'sys_user_group' | 'sys_user' | 'sys_user_grmember' | 'sysapproval_approver';

interface FieldMeta {
  /** Referenced table (value is a sys_id). */
  ref?: TableName;
  /** Choice labels by value. */
  choices?: Record<string, string>;
  /** Journal field: writes append, reads show the journal. */
  journal?: boolean;
  /** Not writable through the API (set by the platform). */
  readOnly?: boolean;
}

const IMPACT = { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' };
const PRIORITY = { '1': '1 - Critical', '2': '2 - High', '3': '3 - Moderate', '4': '4 - Low', '5': '5 - Planning' };
const BOOL = { true: 'true', false: 'false' };

/** Incident states (`incident.state`). */
export const INCIDENT_STATES = { '1': 'New', '2': 'In Progress', '3': 'On Hold', '6': 'Resolved', '7': 'Closed', '8': 'Canceled' } as const;
/** Change request states (`change_request.state`). */
export const CHANGE_STATES = { '-5': 'New', '-4': 'Assess', '-3': 'Authorize', '-2': 'Scheduled', '-1': 'Implement', '0': 'Review', '3': 'Closed', '4': 'Canceled' } as const;

const INCIDENT_CLOSE_CODES = [
  'Duplicate',
  'Known error',
  'No resolution provided',
  'Resolved by caller',
  'Resolved by change',
  'Resolved by problem',
  'Resolved by request',
  'Solution provided',
  'Workaround provided',
  'User error',
];

const SYS_FIELDS: Record<string, FieldMeta> = {
  sys_id: { readOnly: true },
  sys_created_on: { readOnly: true },
  sys_created_by: { readOnly: true },
  sys_updated_on: { readOnly: true },
  sys_updated_by: { readOnly: true },
  sys_mod_count: { readOnly: true },
};

const TABLES: Record<TableName, { display: string; fields: Record<string, FieldMeta> }> = {
  sys_user_group: { display: 'name', fields: { ...SYS_FIELDS, name: {}, description: {}, active: { choices: BOOL } } },
  sys_user: { display: 'name', fields: { ...SYS_FIELDS, user_name: {}, name: {}, email: {}, active: { choices: BOOL } } },
  // Group membership (`sys_user_grmember`): who is asked to approve.
  sys_user_grmember: { display: 'sys_id', fields: { ...SYS_FIELDS, user: { ref: 'sys_user' }, group: { ref: 'sys_user_group' } } },
  // Classic approvals (`sysapproval_approver`): one record per approver of a change (see approvals.ts).
  // `comments` is a journal field on an instance; here it holds the latest comment.
  sysapproval_approver: {
    display: 'sys_id',
    fields: {
      ...SYS_FIELDS,
      sysapproval: { ref: 'change_request' },
      source_table: { readOnly: true },
      document_id: { readOnly: true },
      approver: { ref: 'sys_user' },
      state: { choices: APPROVAL_STATES },
      comments: {},
    },
  },
  incident: {
    display: 'number',
    fields: {
      ...SYS_FIELDS,
      number: { readOnly: true },
      short_description: {},
      description: {},
      state: { choices: INCIDENT_STATES },
      impact: { choices: IMPACT },
      urgency: { choices: IMPACT },
      priority: { choices: PRIORITY, readOnly: true },
      category: {},
      assignment_group: { ref: 'sys_user_group' },
      assigned_to: { ref: 'sys_user' },
      caller_id: { ref: 'sys_user' },
      work_notes: { journal: true },
      close_code: { choices: Object.fromEntries(INCIDENT_CLOSE_CODES.map((c) => [c, c])) },
      close_notes: {},
      correlation_id: {},
      correlation_display: {},
      active: { choices: BOOL, readOnly: true },
      opened_at: { readOnly: true },
      resolved_at: { readOnly: true },
      closed_at: { readOnly: true },
    },
  },
  change_request: {
    display: 'number',
    fields: {
      ...SYS_FIELDS,
      number: { readOnly: true },
      short_description: {},
      description: {},
      type: { choices: { normal: 'Normal', standard: 'Standard', emergency: 'Emergency' } },
      std_change_producer_version: {},
      state: { choices: CHANGE_STATES },
      approval: { choices: { 'not requested': 'Not Yet Requested', requested: 'Requested', approved: 'Approved', rejected: 'Rejected' }, readOnly: true },
      impact: { choices: IMPACT },
      urgency: { choices: IMPACT },
      priority: { choices: PRIORITY },
      risk: { choices: { '2': 'High', '3': 'Moderate', '4': 'Low' } },
      category: {},
      assignment_group: { ref: 'sys_user_group' },
      assigned_to: { ref: 'sys_user' },
      requested_by: { ref: 'sys_user' },
      start_date: {},
      end_date: {},
      work_notes: { journal: true },
      close_code: { choices: { successful: 'Successful', successful_issues: 'Successful with issues', unsuccessful: 'Unsuccessful' } },
      close_notes: {},
      correlation_id: {},
      correlation_display: {},
      active: { choices: BOOL, readOnly: true },
    },
  },
};

/**
 * The change state model per change type: allowed next states (cancel — `4` — is allowed
 * from every open state and is not listed). Normal changes follow the script include
 * `ChangeRequestStateModel_normal` (draft → assess; assess → draft, authorize, scheduled;
 * authorize → draft, scheduled; scheduled → implement; implement → review; review → closed:
 * https://github.com/jacebenson/sndocs/blob/master/sources/helsinki/12/sys_script_include/ChangeRequestStateModel_normal.js).
 * Moves into Scheduled out of Assess or Authorize also need the change's approval (see
 * {@link APPROVAL_GATED}).
 */
export const CHANGE_TRANSITIONS: Record<string, Record<string, string[]>> = {
  normal: { '-5': ['-4'], '-4': ['-3', '-2', '-5'], '-3': ['-2', '-5'], '-2': ['-1'], '-1': ['0'], '0': ['3'] },
  emergency: { '-5': ['-3'], '-3': ['-2', '-5'], '-2': ['-1'], '-1': ['0'], '0': ['3'] },
  standard: { '-5': ['-2'], '-2': ['-1'], '-1': ['0'], '0': ['3'] },
};

/**
 * Change types whose move out of Assess/Authorize into Scheduled needs `approval: approved` — the
 * approval records' rule moves them (a PATCH of `state` while approvals are pending is refused like
 * any transition the state model does not allow). Standard changes are pre-approved.
 */
const APPROVAL_GATED = new Set(['normal', 'emergency']);

const DEFAULT_LIMIT = 10_000;

/** ServiceNow's error body. */
function sendError(res: Response, status: number, message: string, detail: string | null = null): void {
  res.status(status).json({ error: { message, detail }, status: 'failure' });
}

class HttpFailure extends Error {
  readonly status: number;
  readonly detail: string | null;

  constructor(status: number, message: string, detail: string | null = null) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, ServiceNow's internal date-time format. */
function glideNow(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/**
 * Starts a ServiceNow Table API simulator on loopback: `GET/POST /api/now/table/{table}`,
 * `GET/PUT/PATCH/DELETE /api/now/table/{table}/{sys_id}` for `incident`, `change_request`,
 * `sys_user_group`, `sys_user`, `sys_user_grmember` and `sysapproval_approver`, with encoded
 * queries, paging (`X-Total-Count`, `Link`), `sysparm_fields` (also dot-walked, e.g.
 * `approver.user_name`), `sysparm_display_value`, `sysparm_exclude_reference_link`, Basic auth and
 * OAuth client credentials, the incident and change business rules (numbering, priority
 * from impact × urgency, work-note journal, close data policy, the change state model), change
 * approvals through approval records (approvals.ts) — also the Change Management API's
 * `PATCH /api/sn_chg_rest/change/{sys_id}/approvals` (the authenticated user's own approval) — and
 * fault injection.
 *
 * @example
 * ```ts
 * const sim = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'pw' });
 * const res = await fetch(`${sim.url}/api/now/table/incident?sysparm_query=active=true&sysparm_limit=5`, { headers: { authorization: `Basic ${btoa('admin:pw')}` } });
 * await sim.stop();
 * ```
 */
export async function startServiceNowSimulator(options: ServiceNowSimulatorOptions): Promise<ServiceNowSimulator> {
  const { port = 9402, host = '127.0.0.1', tokenTtlSeconds = 1799, logger = silentLogger, changeApprovalGroup = 'change-approvers' } = options;
  if (typeof options.username !== 'string' || typeof options.password !== 'string' || options.username === '') {
    throw new TypeError('startServiceNowSimulator: username and password are required');
  }
  const logLimit = requestLogLimit(options.requestLogLimit, 'startServiceNowSimulator');
  let credentials = { username: options.username, password: options.password };
  const seed = options.seed ? structuredClone(options.seed) : defaultServiceNowSeed();
  const state: ServiceNowSimulatorState = {
    tables: {
      incident: seed.incident,
      change_request: seed.change_request,
      sys_user_group: seed.sys_user_group,
      sys_user: seed.sys_user,
      sys_user_grmember: seed.sys_user_grmember ?? [],
      sysapproval_approver: seed.sysapproval_approver ?? [],
    },
    journal: seed.journal,
    requests: [],
    invalidQueries: [],
  };
  const counters = {
    incident: Math.max(10_000, ...state.tables.incident.map((r) => Number(r['number']?.slice(3) ?? 0))),
    change_request: Math.max(30_000, ...state.tables.change_request.map((r) => Number(r['number']?.slice(3) ?? 0))),
  };
  const tokens = new Map<string, number>(); // access token → expiresAt (ms)
  let injected: { remaining: number; status: number; retryAfterSeconds: number; method?: string } = { remaining: 0, status: 503, retryAfterSeconds: 1 };
  let baseUrl = '';

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const path = req.originalUrl.split('?')[0] ?? '/';
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]));
    res.on('finish', () => {
      appendRequest(state.requests, { method: req.method, path, query, status: res.statusCode }, logLimit);
      logger.info('servicenow-sim request', { http: { request: { method: req.method }, response: { status_code: res.statusCode } }, url: { path } });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // OAuth token endpoint (form-encoded, as on the platform).
  app.post('/oauth_token.do', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const client = options.oauthClient;
    const ok =
      body['grant_type'] === 'client_credentials' &&
      client !== undefined &&
      typeof body['client_id'] === 'string' &&
      typeof body['client_secret'] === 'string' &&
      safeEqual(body['client_id'], client.clientId) &&
      safeEqual(body['client_secret'], client.clientSecret);
    if (!ok) {
      logger.warn('servicenow-sim token request rejected', { event: { action: 'oauth-token', outcome: 'failure' } });
      res.status(401).json({ error_description: 'access_denied', error: 'server_error' });
      return;
    }
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, Date.now() + tokenTtlSeconds * 1000);
    res.json({ access_token: token, scope: 'useraccount', token_type: 'Bearer', expires_in: tokenTtlSeconds });
  });

  // Table API guard: fault injection, then authentication.
  app.use(['/api/now', '/api/sn_chg_rest'], (req, res, next) => {
    if (injected.remaining > 0 && (injected.method === undefined || injected.method === req.method)) {
      injected.remaining--;
      if (injected.status === 429) {
        res.set('Retry-After', String(injected.retryAfterSeconds));
        sendError(res, 429, 'Too Many Requests', 'Rate limit exceeded: API rate limit rule triggered');
      } else sendError(res, injected.status, injected.status >= 500 ? 'Service Unavailable' : 'Request failed', 'Injected failure');
      return;
    }
    const header = req.get('authorization') ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(header);
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    let user: string | undefined;
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep >= 0 && safeEqual(decoded.slice(0, sep), credentials.username) && safeEqual(decoded.slice(sep + 1), credentials.password)) user = credentials.username;
    } else if (bearer?.[1]) {
      const expiresAt = tokens.get(bearer[1]);
      if (expiresAt !== undefined && expiresAt > Date.now()) user = credentials.username;
    }
    if (!user) {
      sendError(res, 401, 'User Not Authenticated', 'Required to provide Auth information');
      return;
    }
    res.locals['user'] = user;
    next();
  });

  app.use(['/api/now', '/api/sn_chg_rest'], express.json({ limit: '1mb' }));

  // --- record helpers ---

  const rowsOf = (table: string): SimRecord[] => {
    if (!(table in TABLES)) throw new HttpFailure(400, 'Invalid table', `Invalid table ${table.slice(0, 80)}`);
    return state.tables[table as TableName];
  };
  const findById = (table: TableName, sysId: string): SimRecord | undefined => state.tables[table].find((r) => r['sys_id'] === sysId);

  function journalText(table: string, row: SimRecord, element: string): string {
    return state.journal
      .filter((j) => j.name === table && j.element_id === row['sys_id'] && j.element === element)
      // Newest first; entries of the same second in reverse order of writing.
      .reverse()
      .sort((a, b) => (a.sys_created_on < b.sys_created_on ? 1 : a.sys_created_on > b.sys_created_on ? -1 : 0))
      .map((j) => {
        const who = state.tables.sys_user.find((u) => u['user_name'] === j.sys_created_by)?.['name'] ?? j.sys_created_by;
        return `${j.sys_created_on} - ${who} (Work notes)\n${j.value}\n\n`;
      })
      .join('');
  }

  /** True when `field` (or `ref.field`, one reference deep) exists on `table`. */
  function isField(table: TableName, field: string): boolean {
    const [head, tail] = field.split('.') as [string, string | undefined];
    const meta = TABLES[table].fields[head];
    if (!meta) return false;
    return tail === undefined || (meta.ref !== undefined && TABLES[meta.ref].fields[tail] !== undefined);
  }

  /** Internal value of `field` on `row`, dot-walking one reference deep; `undefined` for an unknown field. */
  function readField(table: TableName, row: SimRecord, field: string): string | undefined {
    const [head, tail] = field.split('.') as [string, string | undefined];
    const meta = TABLES[table].fields[head];
    if (!meta) return undefined;
    if (tail === undefined) return meta.journal ? journalText(table, row, head) : (row[head] ?? '');
    if (!meta.ref) return undefined;
    const target = findById(meta.ref, row[head] ?? '');
    if (!TABLES[meta.ref].fields[tail]) return undefined;
    return target?.[tail] ?? '';
  }

  function displayOf(table: TableName, field: string, row: SimRecord): string {
    const meta = TABLES[table].fields[field];
    const value = row[field] ?? '';
    if (!meta) return value;
    if (meta.journal) return journalText(table, row, field);
    if (meta.ref) return value === '' ? '' : (findById(meta.ref, value)?.[TABLES[meta.ref].display] ?? '');
    if (meta.choices) return meta.choices[value] ?? value;
    return value;
  }

  /** Serializes one record as the Table API does for the given sysparm options. */
  function serialize(table: TableName, row: SimRecord, req: Request, displayValue?: 'all'): Record<string, unknown> {
    const mode = displayValue ?? String(req.query['sysparm_display_value'] ?? 'false').toLowerCase();
    const excludeLinks = String(req.query['sysparm_exclude_reference_link'] ?? 'false').toLowerCase() === 'true';
    const requested = String(req.query['sysparm_fields'] ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    const fields = requested.length > 0 ? requested.filter((f) => isField(table, f)) : Object.keys(TABLES[table].fields);
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      if (field.includes('.')) {
        // A dot-walked field (`approver.user_name`): the referenced record's value, under the dotted name.
        const [head, tail] = field.split('.') as [string, string];
        const refTable = TABLES[table].fields[head]?.ref as TableName; // isField checked it is a reference
        const target = findById(refTable, row[head] ?? '');
        const value = readField(table, row, field) ?? '';
        const display = target ? displayOf(refTable, tail, target) : '';
        out[field] = mode === 'all' ? { display_value: display, value } : mode === 'true' ? display : value;
        continue;
      }
      const meta = TABLES[table].fields[field] ?? {};
      const value = meta.journal ? '' : (row[field] ?? '');
      const display = displayOf(table, field, row);
      const link = meta.ref && value !== '' && !excludeLinks ? `${baseUrl}/api/now/table/${meta.ref}/${value}` : undefined;
      if (mode === 'all') out[field] = { display_value: display, value, ...(link ? { link } : {}) };
      else if (mode === 'true') out[field] = link ? { display_value: display, link } : display;
      else out[field] = link ? { link, value } : value;
    }
    return out;
  }

  /** Resolves a reference written by a client: a sys_id, or the display value of a record. */
  function resolveReference(ref: TableName, value: string, field: string): string {
    if (value === '') return '';
    if (findById(ref, value)) return value;
    const byDisplay = state.tables[ref].find((r) => r[TABLES[ref].display]?.toLowerCase() === value.toLowerCase() || r['user_name'] === value);
    if (byDisplay?.['sys_id']) return byDisplay['sys_id'];
    throw new HttpFailure(403, 'Operation Failed', `Invalid reference for ${field}: no ${ref} record matches "${value.slice(0, 80)}"`);
  }

  /** Applies a client's field values (unknown and read-only fields are ignored, as on the platform). */
  function applyFields(table: TableName, row: SimRecord, body: Record<string, unknown>, notes: string[]): void {
    for (const [field, raw] of Object.entries(body)) {
      const meta = TABLES[table].fields[field];
      const value = str(raw);
      if (!meta || meta.readOnly || value === undefined) continue;
      if (meta.journal) {
        if (value.trim() !== '') notes.push(value);
        continue;
      }
      if (meta.ref) row[field] = resolveReference(meta.ref, value, field);
      else if (meta.choices && value !== '' && !(value in meta.choices)) {
        throw new HttpFailure(403, 'Operation Failed', `Invalid value "${value.slice(0, 40)}" for choice field ${field}`);
      } else row[field] = value;
    }
  }

  function addNotes(table: TableName, row: SimRecord, notes: string[], user: string): void {
    for (const value of notes) {
      state.journal.push({
        sys_id: randomBytes(16).toString('hex'),
        name: table,
        element_id: row['sys_id'] ?? '',
        element: 'work_notes',
        value,
        sys_created_on: glideNow(),
        sys_created_by: user,
      });
    }
  }

  function requireCloseInfo(row: SimRecord, labels: [string, string]): void {
    const missing = [row['close_code'] ? undefined : labels[0], row['close_notes'] ? undefined : labels[1]].filter((x): x is string => x !== undefined);
    if (missing.length > 0) throw new HttpFailure(403, 'Operation Failed', `Data Policy Exception: \n\tThe following fields are mandatory: ${missing.join(', ')}\n`);
  }

  /** Business rules run before a record is saved; `before` is undefined on insert. */
  function businessRules(table: TableName, row: SimRecord, before: SimRecord | undefined, user: string): void {
    const now = glideNow();
    if (table === 'incident') {
      if (before && ['7', '8'].includes(before['state'] ?? '')) {
        throw new HttpFailure(403, 'Operation Failed', `Operation against file 'incident' was aborted by Business Rule 'Prevent updates to closed incidents'. Business Rule Stack:Prevent updates to closed incidents`);
      }
      row['state'] ||= '1';
      row['impact'] ||= '3';
      row['urgency'] ||= '3';
      row['priority'] = priorityOf(row['impact'], row['urgency']);
      if (['6', '7'].includes(row['state'])) {
        requireCloseInfo(row, ['Resolution code', 'Resolution notes']);
        if (before?.['state'] !== row['state']) {
          if (row['state'] === '6') row['resolved_at'] = now;
          if (row['state'] === '7') row['closed_at'] = now;
        }
      }
      row['active'] = ['6', '7', '8'].includes(row['state']) ? 'false' : 'true';
      if (!before) row['opened_at'] = now;
    }
    if (table === 'change_request') {
      row['type'] ||= 'normal';
      row['state'] ||= '-5';
      row['impact'] ||= '3';
      row['urgency'] ||= '3';
      row['priority'] ||= '4';
      row['risk'] ||= '3';
      if (!before && row['state'] !== '-5') {
        throw new HttpFailure(403, 'Operation Failed', `Operation against file 'change_request' was aborted by Business Rule 'State model - Can change state?'. A new change request starts in state New`);
      }
      if (before && before['type'] !== row['type']) {
        throw new HttpFailure(403, 'Operation Failed', `Operation against file 'change_request' was aborted by Business Rule 'Change type is read-only'. The type of an existing change cannot change`);
      }
      const from = before?.['state'];
      const to = row['state'];
      if (from !== undefined && from !== to) {
        const open = !['3', '4'].includes(from);
        const gated = to === '-2' && ['-4', '-3'].includes(from) && APPROVAL_GATED.has(row['type']);
        const allowed = to === '4' ? open : (CHANGE_TRANSITIONS[row['type']]?.[from] ?? []).includes(to) && (!gated || row['approval'] === 'approved');
        if (!allowed) {
          const label = (s: string) => CHANGE_STATES[s as keyof typeof CHANGE_STATES] ?? s;
          const why = gated && (CHANGE_TRANSITIONS[row['type']]?.[from] ?? []).includes(to) ? ` before it is approved (approval: ${row['approval'] || 'not requested'}; record the decision in sysapproval_approver)` : '';
          throw new HttpFailure(
            403,
            'Operation Failed',
            `Operation against file 'change_request' was aborted by Business Rule 'State model - Can change state?^${row['sys_id']}'. Invalid state transition from ${label(from)} to ${label(to)} for a ${row['type']} change${why}`,
          );
        }
        if (to === '-3') row['approval'] = 'requested';
        if (to === '-5' && row['approval'] !== 'not requested') row['approval'] = 'not requested';
        if (to === '-2' && !APPROVAL_GATED.has(row['type'])) row['approval'] = 'approved';
        if (to === '3') requireCloseInfo(row, ['Close code', 'Close notes']);
      }
      if (!before) row['approval'] = 'not requested';
      row['active'] = ['3', '4'].includes(row['state']) ? 'false' : 'true';
    }
    if (table === 'sysapproval_approver') {
      if (!before) {
        if (!row['sysapproval'] || !row['approver']) throw new HttpFailure(403, 'Operation Failed', 'Data Policy Exception: \n\tThe following fields are mandatory: Approving, Approver\n');
        row['state'] ||= 'requested';
        row['source_table'] = 'change_request';
        row['document_id'] = row['sysapproval'];
      } else if (before['sysapproval'] !== row['sysapproval'] || before['approver'] !== row['approver']) {
        throw new HttpFailure(403, 'Operation Failed', `Operation against file 'sysapproval_approver' was aborted: the approved record and the approver of an approval cannot change`);
      }
    }
    row['sys_updated_on'] = now;
    row['sys_updated_by'] = user;
    row['sys_mod_count'] = before ? String(Number(before['sys_mod_count'] ?? '0') + 1) : '0';
    if (!before) {
      row['sys_created_on'] = now;
      row['sys_created_by'] = user;
    }
  }

  /** What happens after a record is saved: the approval engine (approvals.ts). */
  function afterSave(table: TableName, row: SimRecord, before: SimRecord | undefined): void {
    const now = glideNow();
    if (table === 'change_request' && before && before['state'] !== row['state']) {
      if (row['state'] === '-3' && APPROVAL_GATED.has(row['type'] ?? '')) requestApprovals(state.tables, row, changeApprovalGroup, now);
      // Back to New (reverted, rejected) or cancelled: "all pending approvals are cancelled" (state model docs).
      if (row['state'] === '-5' || row['state'] === '4') endPendingApprovals(state.tables, row['sys_id'] ?? '', 'cancelled', now);
    }
    if (table === 'sysapproval_approver' && before?.['state'] !== row['state']) applyApprovalRule(state.tables, row, now);
  }

  function nextNumber(table: TableName): string | undefined {
    if (table === 'incident') return `INC${String(++counters.incident).padStart(7, '0')}`;
    if (table === 'change_request') return `CHG${String(++counters.change_request).padStart(7, '0')}`;
    return undefined;
  }

  const route = (fn: (req: Request, res: Response) => void) => (req: Request, res: Response, next: NextFunction) => {
    try {
      fn(req, res);
    } catch (err) {
      next(err);
    }
  };

  const tablePath = '/api/now/table/:table';
  const recordPath = '/api/now/table/:table/:sys_id';
  const v2 = (p: string) => p.replace('/api/now/', '/api/now/v2/');

  const list = route((req, res) => {
    const table = String(req.params['table']);
    const rows = rowsOf(table);
    const limit = req.query['sysparm_limit'] === undefined ? DEFAULT_LIMIT : Number(req.query['sysparm_limit']);
    const offset = req.query['sysparm_offset'] === undefined ? 0 : Number(req.query['sysparm_offset']);
    if (!Number.isInteger(limit) || limit < 1) throw new HttpFailure(400, 'Invalid sysparm_limit', 'sysparm_limit must be a positive integer');
    if (!Number.isInteger(offset) || offset < 0) throw new HttpFailure(400, 'Invalid sysparm_offset', 'sysparm_offset must be a non-negative integer');
    let parsed;
    try {
      parsed = parseEncodedQuery(String(req.query['sysparm_query'] ?? ''));
    } catch (err) {
      if (err instanceof EncodedQueryError) throw new HttpFailure(400, 'Invalid query', err.message);
      throw err;
    }
    const unknownFields = [...new Set(parsed.groups.flat(2).map((t) => t.field))].filter((f) => !isField(table as TableName, f));
    if (unknownFields.length > 0) state.invalidQueries.push({ table, query: String(req.query['sysparm_query'] ?? ''), fields: unknownFields });
    const matched = applyEncodedQuery(rows, parsed, (row, field) => readField(table as TableName, row, field), {
      isField: (field) => isField(table as TableName, field),
      invalidQueryReturnsNoRows: options.invalidQueryReturnsNoRows === true,
    });
    const page = matched.slice(offset, offset + limit);
    const total = matched.length;
    res.set('X-Total-Count', String(total));
    const link = (o: number, rel: string) => {
      const u = new URL(req.originalUrl, baseUrl);
      u.searchParams.set('sysparm_offset', String(o));
      u.searchParams.set('sysparm_limit', String(limit));
      return `<${u.toString()}>;rel="${rel}"`;
    };
    if (total > limit || offset > 0) {
      const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
      const links = [link(0, 'first')];
      if (offset > 0) links.push(link(Math.max(0, offset - limit), 'prev'));
      if (offset + limit < total) links.push(link(offset + limit, 'next'));
      links.push(link(lastOffset, 'last'));
      res.set('Link', links.join(','));
    }
    res.json({ result: page.map((row) => serialize(table as TableName, row, req)) });
  });

  const getOne = route((req, res) => {
    const table = String(req.params['table']);
    const row = rowsOf(table).find((r) => r['sys_id'] === req.params['sys_id']);
    if (!row) throw new HttpFailure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    res.json({ result: serialize(table as TableName, row, req) });
  });

  const create = route((req, res) => {
    const table = String(req.params['table']) as TableName;
    rowsOf(table);
    const body = req.body as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, 'Exception while reading request', 'The payload is not valid JSON.');
    const user = String(res.locals['user']);
    const row: SimRecord = Object.fromEntries(Object.keys(TABLES[table].fields).map((f) => [f, '']));
    row['sys_id'] = randomBytes(16).toString('hex');
    const notes: string[] = [];
    applyFields(table, row, body as Record<string, unknown>, notes);
    businessRules(table, row, undefined, user);
    const number = nextNumber(table);
    if (number) row['number'] = number;
    state.tables[table].push(row);
    addNotes(table, row, notes, user);
    afterSave(table, row, undefined);
    logger.info('servicenow-sim record created', { labels: { table, number: row['number'] ?? row['sys_id'] } });
    res.status(201).set('Location', `${baseUrl}/api/now/table/${table}/${row['sys_id']}`).json({ result: serialize(table, row, req) });
  });

  const update = route((req, res) => {
    const table = String(req.params['table']) as TableName;
    const rows = rowsOf(table);
    const index = rows.findIndex((r) => r['sys_id'] === req.params['sys_id']);
    const before = rows[index];
    if (!before) throw new HttpFailure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    const body = req.body as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, 'Exception while reading request', 'The payload is not valid JSON.');
    const user = String(res.locals['user']);
    const row = { ...before };
    const notes: string[] = [];
    applyFields(table, row, body as Record<string, unknown>, notes);
    businessRules(table, row, before, user);
    rows[index] = row;
    addNotes(table, row, notes, user);
    afterSave(table, row, before);
    res.json({ result: serialize(table, row, req) });
  });

  const remove = route((req, res) => {
    const table = String(req.params['table']) as TableName;
    const rows = rowsOf(table);
    const index = rows.findIndex((r) => r['sys_id'] === req.params['sys_id']);
    if (index < 0) throw new HttpFailure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    rows.splice(index, 1);
    res.status(204).end();
  });

  // Change Management API, `PATCH /api/sn_chg_rest/change/{sys_id}/approvals`: "allows the current user to approve or
  // reject a change request approval record" — the authenticated user's own (400 when they have none pending);
  // `comments` required to reject; answers the change (`result`, display values), e.g. state -2 Scheduled.
  // https://www.servicenow.com/docs/r/api-reference/rest-apis/change-management-api.html
  const changeApprovals = route((req, res) => {
    const change = findById('change_request', String(req.params['sys_id']));
    if (!change) throw new HttpFailure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    const body = (req.body ?? {}) as Record<string, unknown>;
    const decision = str(body['state']);
    if (decision !== 'approved' && decision !== 'rejected') throw new HttpFailure(400, 'Bad Request', 'state must be approved or rejected');
    const comments = str(body['comments']) ?? '';
    if (decision === 'rejected' && comments.trim() === '') throw new HttpFailure(400, 'Bad Request', 'comments are required to reject');
    const user = state.tables.sys_user.find((u) => u['user_name'] === String(res.locals['user']));
    const mine = state.tables.sysapproval_approver.find((a) => a['sysapproval'] === change['sys_id'] && a['approver'] === user?.['sys_id'] && a['state'] === 'requested');
    if (!mine) throw new HttpFailure(400, 'Bad Request', 'The current user does not have the authority to approve or reject this change request');
    const before = { ...mine };
    mine['state'] = decision;
    mine['comments'] = comments;
    mine['sys_updated_on'] = glideNow();
    mine['sys_updated_by'] = String(res.locals['user']);
    mine['sys_mod_count'] = String(Number(mine['sys_mod_count'] ?? '0') + 1);
    afterSave('sysapproval_approver', mine, before);
    res.json({ result: [serialize('change_request', change, req, 'all')] });
  });
  for (const p of ['/api/sn_chg_rest/change/:sys_id/approvals', '/api/sn_chg_rest/v1/change/:sys_id/approvals']) app.patch(p, changeApprovals);

  for (const p of [tablePath, v2(tablePath)]) {
    app.get(p, list);
    app.post(p, create);
  }
  for (const p of [recordPath, v2(recordPath)]) {
    app.get(p, getOne);
    app.patch(p, update);
    app.put(p, update);
    app.delete(p, remove);
  }

  app.use((_req, res) => {
    sendError(res, 400, 'Requested URI does not represent any resource');
  });

  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpFailure) {
      sendError(res, err.status, err.message, err.detail);
      return;
    }
    if ((err as { type?: string }).type === 'entity.parse.failed') {
      sendError(res, 400, 'Exception while reading request', 'The payload is not valid JSON.');
      return;
    }
    logger.error('servicenow-sim internal error', { error: { type: (err as Error).name } });
    sendError(res, 500, 'Internal server error');
  });

  const listening = await listenApp(app, port, host);
  baseUrl = listening.url;
  logger.info('servicenow-sim listening', { url: { full: baseUrl }, labels: { incidents: state.tables.incident.length, changes: state.tables.change_request.length } });

  return {
    url: baseUrl,
    state,
    failNext(n, status, opts = {}) {
      if (!Number.isInteger(n) || n < 0) throw new TypeError('failNext: n must be a non-negative integer');
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new TypeError('failNext: status must be 4xx or 5xx');
      injected = { remaining: n, status, retryAfterSeconds: opts.retryAfterSeconds ?? 1, ...(opts.method ? { method: opts.method } : {}) };
    },
    setCredentials(next) {
      credentials = { username: next.username, password: next.password };
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    stop: listening.stop,
  };
}
