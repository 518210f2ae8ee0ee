import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { contextFromHeaders, runWithRequestContext } from './context.ts';
import { createLogger } from './logger.ts';
import { deepMerge } from './merge.ts';
import type { AuditEvent, LogFields } from './types.ts';
import { registerSecretValue } from './redact.ts';

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  return { stream, lines, raw: () => buf };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createLogger', () => {
  it('writes one ECS object per line with service fields and dataset', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1.2.3', stream });
    logger.info('hello', { event: { action: 'greet' } });
    await tick();
    expect(lines).toHaveLength(1);
    const line = lines[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads nested JSON
    expect(line['@timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(line['log.level']).toBe('info');
    expect(line['ecs.version']).toBeDefined();
    expect(line.message).toBe('hello');
    expect(line.service).toMatchObject({ name: 'svc', version: '1.2.3' });
    expect(line.event).toMatchObject({ action: 'greet', dataset: 'svc.log' });
  });

  it('does not build a line below its level (LOG_LEVEL=warn: info lines cost nothing), and still writes the lines at or above it', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1', level: 'warn', stream });
    let read = 0;
    const fields = {
      get labels() {
        read += 1;
        return { route: '/x' };
      },
    } as LogFields;
    logger.info('dropped', fields);
    logger.child({ labels: { backend: 'network' } }).info('dropped too', fields);
    logger.debug('dropped as well', fields);
    await tick();
    expect(lines).toHaveLength(0);
    expect(read).toBe(0);
    logger.warn('kept', fields);
    logger.error('kept too');
    await tick();
    expect(lines.map((l) => [l['log.level'], l['message']])).toEqual([
      ['warn', 'kept'],
      ['error', 'kept too'],
    ]);
    expect(read).toBeGreaterThan(0);
    const errorOnly = capture();
    const quiet = createLogger({ serviceName: 'svc', serviceVersion: '1', level: 'error', stream: errorOnly.stream });
    quiet.warn('dropped', fields);
    quiet.error('kept');
    await tick();
    expect(errorOnly.lines.map((l) => l['message'])).toEqual(['kept']);
  });

  it('tags lines inside a request with trace.id from traceparent and user.id', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1', stream });
    const ctx = contextFromHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    ctx.userId = 'nina';
    runWithRequestContext(ctx, () => logger.info('in request'));
    await tick();
    const line = lines[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads nested JSON
    expect(line.trace.id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(line.user.id).toBe('nina');
    expect(line.http.request.id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('generates a trace id when traceparent is missing or invalid', () => {
    expect(contextFromHeaders({}).traceId).toMatch(/^[0-9a-f]{32}$/);
    const zero = contextFromHeaders({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    expect(zero.traceId).not.toBe('00000000000000000000000000000000');
    expect(contextFromHeaders({ 'x-request-id': 'bad id with spaces' }).requestId).not.toContain(' ');
  });

  it('redacts authorization headers, tokens, passwords and registered secret values', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1', stream });
    registerSecretValue('s3cr3t-catalyst-pw');
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJuaW5hIn0.c2lnbmF0dXJlLWJ5dGVz';
    logger.warn(`upstream said s3cr3t-catalyst-pw was wrong, token ${jwt}`, {
      http: { request: { headers: { authorization: `Bearer ${jwt}`, accept: 'application/json' } } },
      password: 'hunter22',
      nested: { client_secret: 'abc', note: 'Basic dXNlcjpwYXNzd29yZA==' },
      secret: { name: 'catalyst-center', source: 'vault', password: 'pw-in-object' },
      token: ['t1-value', 't2-value'],
    });
    await tick();
    const text = JSON.stringify(lines);
    expect(text).not.toContain('s3cr3t-catalyst-pw');
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('dXNlcjpwYXNzd29yZA==');
    const line = lines[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads nested JSON
    expect(line.http.request.headers.authorization).toBe('[REDACTED]');
    expect(line.http.request.headers.accept).toBe('application/json');
    expect(line.secret).toEqual({ name: 'catalyst-center', source: 'vault', password: '[REDACTED]' });
    expect(text).not.toContain('t1-value');
  });

  it('writes audit events on their own dataset with event.kind=event', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1', stream });
    logger.audit({
      action: 'authz-decision',
      category: ['iam'],
      type: ['denied'],
      outcome: 'failure',
      durationNs: 1234.7,
      reason: 'service-desk may not write',
      fields: { user: { id: 'sam' } },
    });
    await tick();
    const line = lines[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads nested JSON
    expect(line.event).toMatchObject({
      kind: 'event',
      action: 'authz-decision',
      category: ['iam'],
      type: ['denied'],
      outcome: 'failure',
      duration: 1235,
      reason: 'service-desk may not write',
      dataset: 'svc.audit',
    });
    expect(line.user.id).toBe('sam');
  });

  it('serializes errors as ECS error fields without leaking secrets in their messages', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1', stream });
    const err = Object.assign(new Error('failed with Bearer abcdefghijklmnop'), { code: 'ERR_X' });
    logger.error('boom', { error: err });
    await tick();
    const line = lines[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads nested JSON
    expect(line.error).toMatchObject({ type: 'Error', code: 'ERR_X' });
    expect(line.error.message).toBe('failed with Bearer [REDACTED]');
  });

  it('child loggers merge nested ECS fields', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1', stream }).child({ event: { module: 'authz' } });
    logger.info('x', { event: { action: 'y' } });
    await tick();
    expect((lines[0] as Record<string, any>).event).toMatchObject({ module: 'authz', action: 'y' }); // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads nested JSON
  });

  it('writes each audit line as the winston pipeline writes the same event (fields, context, redaction)', async () => {
    // The reference: what audit() wrote through winston before it got its own line writer — an
    // info line on the audit dataset whose `event` carries the audit fields.
    const ref = capture();
    const reference = createLogger({ serviceName: 'svc', serviceVersion: '1.2.3', environment: 'test', dataset: 'svc.audit', stream: ref.stream });
    const out = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1.2.3', environment: 'test', stream: out.stream });
    registerSecretValue('vault-said-hunter2-xyz');
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYW0ifQ.c2lnbmF0dXJlLWJ5dGVz';
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    const events: Array<{ bound: LogFields; event: AuditEvent }> = [ // `bound`: fields a caller merges itself
      { bound: {}, event: { action: 'secret-read', category: ['configuration'], outcome: 'success', fields: { secret: { name: 'catalyst', source: 'vault', password: 'pw-123456' } } } },
      {
        bound: { mcp: { server: 'network', tool: 'get_device' } },
        event: {
          action: 'authz-decision',
          category: ['iam'],
          type: ['denied'],
          outcome: 'failure',
          durationNs: 4567.5,
          reason: `token ${jwt} was refused; vault-said-hunter2-xyz`,
          fields: { user: { id: 'sam', roles: ['service-desk'] }, mcp: { action: 'write', client_id: undefined }, event: { reason: 'x', module: 'authz' }, labels: { request_id: 'r-1', auth: 'Bearer abcdefghijklmnop' }, error: { code: 'ERR_AUTHZ_DENIED' } },
        },
      },
      { bound: {}, event: { action: 'tool-call', category: ['api'], type: ['access'], outcome: 'success', durationNs: 1, fields: { user: { id: 'nina' }, client: { id: undefined }, token: 'abc-def-ghi', note: circular, err: new Error(`boom ${jwt}`) } } },
      { bound: { trace: { id: 'caller-trace' } }, event: { action: 'tool-call', category: ['api'], outcome: 'unknown', fields: { 'labels.tenant': 'a', 'event.module': 'dotted', 'service.name': 'override', message: 'extra' } } },
    ];
    const ctx = contextFromHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    ctx.userId = 'nina';
    ctx.clientId = 'agent-x';
    for (const [i, { bound, event }] of events.entries()) {
      const run = () => {
        const fields = deepMerge(bound, event.fields ?? {});
        logger.audit({ ...event, fields });
        const ecsEvent: Record<string, unknown> = { kind: 'event', action: event.action, category: event.category, outcome: event.outcome };
        if (event.type) ecsEvent['type'] = event.type;
        if (event.durationNs !== undefined) ecsEvent['duration'] = Math.round(event.durationNs);
        if (event.reason !== undefined) ecsEvent['reason'] = event.reason;
        reference.info(event.action, { ...fields, event: { ...((fields['event'] ?? {}) as Record<string, unknown>), ...ecsEvent } });
      };
      if (i % 2 === 1) runWithRequestContext(ctx, run);
      else run();
    }
    await tick();
    const withoutTime = (lines: Record<string, unknown>[]) => lines.map(({ '@timestamp': t, ...rest }) => (expect(t).toMatch(/^\d{4}-/), rest));
    expect(out.lines).toHaveLength(events.length);
    expect(withoutTime(out.lines)).toEqual(withoutTime(ref.lines));
    const text = JSON.stringify(out.lines);
    for (const leaked of [jwt, 'vault-said-hunter2-xyz', 'pw-123456', 'abcdefghijklmnop', 'abc-def-ghi']) expect(text).not.toContain(leaked);
  });

  it('writes no audit line after close', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ serviceName: 'svc', serviceVersion: '1', stream });
    logger.audit({ action: 'tool-call', category: ['api'], outcome: 'success' });
    await logger.close();
    logger.audit({ action: 'tool-call', category: ['api'], outcome: 'success' });
    await tick();
    expect(lines).toHaveLength(1);
  });
});
