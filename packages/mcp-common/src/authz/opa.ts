import { Pool, type Dispatcher } from 'undici';
import type { Logger } from '../logging/types.ts';
import { parseResult, unavailable } from './decision.ts';
import type { Authorizer, Decision, PolicyInput } from './types.ts';

export interface OpaAuthorizerOptions {
  /** Base URL of the OPA server, e.g. `http://127.0.0.1:8181`. */
  url: string | URL;
  /** Slash-separated decision path under `/v1/data/`. Default `mcp/authz/decision`. */
  path?: string;
  /**
   * How long one decision or health check may wait, in milliseconds, at each step: connecting, OPA's
   * answer (its headers), and its body (undici's `connectTimeout`, `headersTimeout` and `bodyTimeout`;
   * timeouts of a second or more fire up to 0.5 s late, undici's coarse timer). Default 2000.
   */
  timeoutMs?: number;
  /** Connection reuse to OPA (one keep-alive undici `Pool` for its origin). Defaults: idle sockets kept 30000 ms, at most 16 connections. */
  keepAlive?: { timeoutMs?: number; connections?: number };
  /** Use this undici dispatcher instead of creating one (it is then not closed by `close()`). */
  dispatcher?: Dispatcher;
  /** Where engine faults are reported (`warn`); the decision itself only says "unavailable". */
  logger?: Logger;
}

/** undici's timeout errors (connect, headers, body), by their stable codes. */
function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/**
 * An {@link Authorizer} that asks an OPA server: `POST {url}/v1/data/{path}` with `{ input }`.
 * Fails closed: non-2xx, timeout, network error, an undefined or malformed `result`
 * all give `{ allow: false, reasons: ['policy engine unavailable'], error: 'ERR_AUTHZ_UNAVAILABLE' }`.
 *
 * @throws TypeError when `url` is not an http(s) URL or `timeoutMs` is not positive.
 * @example
 * ```ts
 * const authorizer = createOpaAuthorizer({ url: config.OPA_URL, timeoutMs: config.OPA_TIMEOUT_MS });
 * const decision = await authorizer.decide(input);
 * await authorizer.close();
 * ```
 */
export function createOpaAuthorizer(options: OpaAuthorizerOptions): Authorizer {
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('OPA url must be http(s)');
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('timeoutMs must be a positive number');
  const path = (options.path ?? 'mcp/authz/decision').replace(/^\/+|\/+$/g, '');
  if (path === '' || path.includes('..')) throw new TypeError('path must be a slash-separated OPA data path');

  const origin = base.origin;
  const decisionPath = new URL(`v1/data/${path}`, base).pathname;
  const healthPath = new URL('health', base).pathname;
  const ownsDispatcher = options.dispatcher === undefined;
  // One Pool for OPA's origin, and undici's own timeouts instead of an AbortSignal per call: a decision
  // is on every tool call's path, and the signal (its timer and listeners) was a third of the client's
  // CPU per decision (docs/benchmarks.md, "The OPA server's decision, session 6").
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Pool(origin, {
      keepAliveTimeout: options.keepAlive?.timeoutMs ?? 30_000,
      connections: options.keepAlive?.connections ?? 16,
      connect: { timeout: timeoutMs },
    });
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs } as const;
  const headers = { 'content-type': 'application/json', accept: 'application/json' } as const;
  let closed = false;

  const report = (what: string, cause: unknown): void => {
    options.logger?.warn('policy engine unavailable', {
      error: { code: 'ERR_AUTHZ_UNAVAILABLE', message: what, cause: cause instanceof Error ? cause.message : undefined },
    });
  };

  return {
    async decide(input: PolicyInput): Promise<Decision> {
      if (closed) return unavailable();
      try {
        const res = await dispatcher.request({ origin, path: decisionPath, method: 'POST', headers, body: JSON.stringify({ input }), ...timeouts });
        if (res.statusCode < 200 || res.statusCode > 299) {
          await res.body.dump();
          report(`OPA answered HTTP ${String(res.statusCode)}`, undefined);
          return unavailable();
        }
        const body = (await res.body.json()) as { result?: unknown } | null;
        const decision = parseResult(body?.result);
        if (decision === undefined) {
          report(body?.result === undefined ? 'decision is undefined (policy not loaded?)' : 'malformed decision', undefined);
          return unavailable();
        }
        return decision;
      } catch (err) {
        report(isTimeout(err) ? `no answer within ${String(timeoutMs)} ms` : 'request failed', err);
        return unavailable();
      }
    },

    async ready(): Promise<boolean> {
      if (closed) return false;
      try {
        const res = await dispatcher.request({ origin, path: healthPath, method: 'GET', ...timeouts });
        await res.body.dump();
        return res.statusCode === 200;
      } catch {
        return false;
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}
