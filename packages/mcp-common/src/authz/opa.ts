import { Agent, request, type Dispatcher } from 'undici';
import type { Logger } from '../logging/types.ts';
import { parseResult, unavailable } from './decision.ts';
import type { Authorizer, Decision, PolicyInput } from './types.ts';

export interface OpaAuthorizerOptions {
  /** Base URL of the OPA server, e.g. `http://127.0.0.1:8181`. */
  url: string | URL;
  /** Slash-separated decision path under `/v1/data/`. Default `mcp/authz/decision`. */
  path?: string;
  /** Deadline for one decision or health check, in milliseconds. Default 2000. */
  timeoutMs?: number;
  /** Connection reuse to OPA. Defaults: idle sockets kept 30000 ms, at most 16 connections. */
  keepAlive?: { timeoutMs?: number; connections?: number };
  /** Use this undici dispatcher instead of creating one (it is then not closed by `close()`). */
  dispatcher?: Dispatcher;
  /** Where engine faults are reported (`warn`); the decision itself only says "unavailable". */
  logger?: Logger;
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

  const decisionUrl = new URL(`v1/data/${path}`, base);
  const healthUrl = new URL('health', base);
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Agent({
      keepAliveTimeout: options.keepAlive?.timeoutMs ?? 30_000,
      connections: options.keepAlive?.connections ?? 16,
    });
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
        const res = await request(decisionUrl, {
          dispatcher,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ input }),
          signal: AbortSignal.timeout(timeoutMs),
        });
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
        report(err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${String(timeoutMs)} ms` : 'request failed', err);
        return unavailable();
      }
    },

    async ready(): Promise<boolean> {
      if (closed) return false;
      try {
        const res = await request(healthUrl, { dispatcher, method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
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
