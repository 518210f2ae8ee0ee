import { EOL } from 'node:os';
import { ecsFields } from '@elastic/ecs-winston-format';
import { currentRequestContext } from './context.ts';
import { deepMerge, nestDotted } from './merge.ts';
import { redact } from './redact.ts';
import type { AuditEvent, LogFields } from './types.ts';

/** Options of {@link createAuditLineWriter}. */
export interface AuditLineOptions {
  serviceName: string;
  serviceVersion: string;
  /** ECS `service.environment`. Default: none. */
  environment?: string;
  /** ECS `event.dataset` of the audit lines, e.g. `mcp-network.audit`. */
  dataset: string;
  /** Where the lines go (the logger's stream). */
  stream: NodeJS.WritableStream;
}

/** Writes one audit event as one ECS line; `bound` are the fields of the (child) logger that writes it. */
export type AuditLineWriter = ((event: AuditEvent, bound: LogFields) => void) & {
  /** Stops writing (the logger was closed); later events are dropped. */
  close(): void;
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `node[key]` as an object, replacing a scalar there, as the winston pipeline's nesting does. */
const objAt = (node: Obj, key: string): Obj => {
  const v = node[key];
  if (typeof v === 'object' && v !== null) return v as Obj;
  const created: Obj = {};
  node[key] = created;
  return created;
};

/**
 * The audit channel's line writer: the same ECS line the logger's winston pipeline writes (the
 * same fields and values, and the same redaction — sensitive keys, bearer tokens, JWTs and
 * registered secret values masked), built without the pipeline. Audit lines are two per tool
 * call (the decision and the call), so their cost is per-request cost: the static part of the line
 * (`service.*`, `ecs.version`, `event.dataset`) is computed once, by `ecs-winston-format`'s own
 * `ecsFields`, and the line is serialized by `JSON.stringify` (keys in insertion order instead of
 * sorted: JSON consumers — Filebeat, Elasticsearch — do not read order).
 *
 * @example
 * ```ts
 * const write = createAuditLineWriter({ serviceName: 'mcp-network', serviceVersion: '0.1.0', dataset: 'mcp-network.audit', stream: process.stdout });
 * write({ action: 'secret-read', category: ['configuration'], outcome: 'success' }, {});
 * ```
 */
export function createAuditLineWriter(options: AuditLineOptions): AuditLineWriter {
  const { stream } = options;
  const ecsOptions = {
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    eventDataset: options.dataset,
    apmIntegration: false,
    convertReqRes: false,
    ...(options.environment !== undefined ? { serviceEnvironment: options.environment } : {}),
  };
  // What ecsFields adds to every line, taken from ecsFields itself (one source of the ECS version and field names).
  const probe = ecsFields(ecsOptions).transform({ level: 'info', message: '' }, ecsOptions) as Obj;
  // `log.level` and `ecs.version` stay dotted (ECS logging keeps them so); `service.*` and `event.dataset` are nested.
  const flat = Object.entries(probe).filter(([k]) => k === 'log.level' || k === 'ecs.version');
  const nested = Object.entries(probe)
    .filter(([k]) => k.includes('.') && k !== 'log.level' && k !== 'ecs.version')
    .map(([key, value]) => ({ key, parents: key.split('.').slice(0, -1), leaf: key.split('.').at(-1) as string, value }));
  let closed = false;

  const write = (event: AuditEvent, bound: LogFields): void => {
    if (closed) return;
    const ecsEvent: Obj = { kind: 'event', action: event.action, category: event.category, outcome: event.outcome };
    if (event.type) ecsEvent['type'] = event.type;
    if (event.durationNs !== undefined) ecsEvent['duration'] = Math.round(event.durationNs);
    if (event.reason !== undefined) ecsEvent['reason'] = event.reason;
    const fields = event.fields === undefined ? bound : deepMerge(bound, event.fields);
    const extraEvent = isObj(fields['event']) ? fields['event'] : {};
    const message = typeof fields['message'] === 'string' && fields['message'] !== '' ? `${event.action} ${fields['message']}` : event.action;
    // Everything the caller passed is redacted (the pipeline's first step); what is added below is not caller input.
    const line = redact({ ...fields, event: { ...extraEvent, ...ecsEvent }, message }) as Obj;
    if ('level' in line) delete line['level'];
    const ctx = currentRequestContext();
    if (ctx) {
      objAt(line, 'trace')['id'] ??= ctx.traceId;
      objAt(line, 'span')['id'] ??= ctx.spanId;
      objAt(objAt(line, 'http'), 'request')['id'] ??= ctx.requestId;
      if (ctx.userId !== undefined) objAt(line, 'user')['id'] ??= ctx.userId;
      if (ctx.clientId !== undefined) objAt(line, 'client')['id'] ??= ctx.clientId;
    }
    line['@timestamp'] = new Date().toISOString();
    for (const [k, v] of flat) line[k] = v;
    if (Object.keys(line).some((k) => k.includes('.') && k !== 'log.level' && k !== 'ecs.version')) {
      // The caller wrote dotted keys (rare): exactly the winston pipeline's steps.
      for (const { key, value } of nested) line[key] = value;
      nestDotted(line);
    } else {
      for (const { parents, leaf, value } of nested) {
        let node = line;
        for (const part of parents) node = objAt(node, part);
        node[leaf] ??= value;
      }
    }
    stream.write(serialize(line) + EOL);
  };
  return Object.assign(write, {
    close: () => {
      closed = true;
    },
  });
}

/** JSON of a redacted line (no cycles: redaction cut them); a BigInt, which JSON cannot say, as its decimal string. */
function serialize(line: Obj): string {
  try {
    return JSON.stringify(line);
  } catch {
    return JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  }
}
