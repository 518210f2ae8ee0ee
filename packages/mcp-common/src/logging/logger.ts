import type { Writable } from 'node:stream';
import { ecsFields, ecsStringify } from '@elastic/ecs-winston-format';
import winston from 'winston';
import { createAuditLineWriter, type AuditLineWriter } from './audit-line.ts';
import { currentRequestContext } from './context.ts';
import { deepMerge, nestDotted } from './merge.ts';
import { redact } from './redact.ts';
import type { AuditEvent, AuditLogger, LogFields, Logger } from './types.ts';

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** ECS `service.name`, e.g. `mcp-network`. */
  serviceName: string;
  /** ECS `service.version`. */
  serviceVersion: string;
  /** ECS `service.environment` (e.g. `local`, `production`). */
  environment?: string;
  /** Minimum level: `error`, `warn`, `info` or `debug`. Default `info`. */
  level?: 'error' | 'warn' | 'info' | 'debug';
  /** ECS `event.dataset` of ordinary lines. Default `<serviceName>.log`. */
  dataset?: string;
  /** Where JSON lines go. Default `process.stdout`. */
  stream?: NodeJS.WritableStream;
}

/** A logger with the separate audit channel. */
export interface PlatformLogger extends Logger, AuditLogger {
  /** Flushes and closes the underlying transports. */
  close(): Promise<void>;
}

/**
 * Creates the ECS JSON logger: one object per line with `service.*`,
 * `event.dataset`, the request's `trace.id`/`user.id` when inside a request,
 * and redaction of credentials. Audit events go through the same stream
 * with their own dataset (`<serviceName>.audit`) and `event.kind: event`.
 *
 * @example
 * ```ts
 * const logger = createLogger({ serviceName: 'mcp-network', serviceVersion: '0.1.0' });
 * logger.info('listening', { url: { full: 'http://127.0.0.1:8101/mcp' } });
 * logger.audit({ action: 'secret-read', category: ['configuration'], outcome: 'success' });
 * ```
 */
export function createLogger(options: CreateLoggerOptions): PlatformLogger {
  const stream = options.stream ?? process.stdout;
  const base = { serviceName: options.serviceName, serviceVersion: options.serviceVersion, apmIntegration: false, convertReqRes: false };
  if (options.environment !== undefined) Object.assign(base, { serviceEnvironment: options.environment });

  const redactFormat = winston.format((info) => {
    const ctx = currentRequestContext();
    const copy = redact({ ...info }) as Record<string, unknown>;
    for (const [k, v] of Object.entries(copy)) (info as Record<string, unknown>)[k] = v;
    info['message'] = copy['message'];
    if (ctx) {
      const trace = (info['trace'] ??= {}) as Record<string, unknown>;
      trace['id'] ??= ctx.traceId;
      const span = (info['span'] ??= {}) as Record<string, unknown>;
      span['id'] ??= ctx.spanId;
      const http = (info['http'] ??= {}) as Record<string, unknown>;
      const request = (http['request'] ??= {}) as Record<string, unknown>;
      request['id'] ??= ctx.requestId;
      if (ctx.userId !== undefined) {
        const user = (info['user'] ??= {}) as Record<string, unknown>;
        user['id'] ??= ctx.userId;
      }
      if (ctx.clientId !== undefined) {
        const client = (info['client'] ??= {}) as Record<string, unknown>;
        client['id'] ??= ctx.clientId;
      }
    }
    return info;
  });

  // ecs-winston-format writes `service.name`, `event.dataset`… as dotted top-level keys: nested.
  const nestFormat = winston.format((info) => nestDotted(info as Record<string, unknown>) as typeof info);

  const make = (dataset: string, level: string) =>
    winston.createLogger({
      level,
      format: winston.format.combine(redactFormat(), ecsFields({ ...base, eventDataset: dataset }), nestFormat(), ecsStringify()),
      transports: [new winston.transports.Stream({ stream: stream as Writable })],
    });

  const main = make(options.dataset ?? `${options.serviceName}.log`, options.level ?? 'info');
  // Audit lines (two per tool call) skip winston's format pipeline: the same line, built directly (audit-line.ts).
  const audit = createAuditLineWriter({
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
    dataset: `${options.serviceName}.audit`,
    stream,
  });
  return new WinstonLogger(main, audit, {});
}

class WinstonLogger implements PlatformLogger {
  private readonly main: winston.Logger;
  private readonly auditLog: AuditLineWriter;
  private readonly bound: LogFields;

  constructor(main: winston.Logger, auditLog: AuditLineWriter, bound: LogFields) {
    this.main = main;
    this.auditLog = auditLog;
    this.bound = bound;
  }

  error(message: string, fields?: LogFields): void {
    this.main.log('error', message, this.merge(fields));
  }
  // winston runs its whole format pipeline (redaction, ECS fields, stringify) before the transport drops a
  // line below its level: a line that will not be written is not built (LOG_LEVEL=warn: no cost per request).
  warn(message: string, fields?: LogFields): void {
    if (this.main.isWarnEnabled()) this.main.log('warn', message, this.merge(fields));
  }
  info(message: string, fields?: LogFields): void {
    if (this.main.isInfoEnabled()) this.main.log('info', message, this.merge(fields));
  }
  debug(message: string, fields?: LogFields): void {
    if (this.main.isDebugEnabled()) this.main.log('debug', message, this.merge(fields));
  }
  child(fields: LogFields): Logger {
    return new WinstonLogger(this.main, this.auditLog, deepMerge(this.bound, fields));
  }
  audit(event: AuditEvent): void {
    this.auditLog(event, this.bound);
  }
  close(): Promise<void> {
    this.auditLog.close();
    return new Promise<void>((resolve) => {
      this.main.on('finish', () => resolve());
      this.main.end();
    });
  }

  private merge(fields?: LogFields): LogFields {
    return fields ? deepMerge(this.bound, fields) : { ...this.bound };
  }
}
