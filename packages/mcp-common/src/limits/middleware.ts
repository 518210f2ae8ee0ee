import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ConcurrencyLimiter } from './concurrency.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Why a request was refused before any work was done. */
export interface Refusal {
  /** 429 for a principal over its share, 503 when the whole process is saturated. */
  status: 429 | 503;
  code: 'ERR_RATE_LIMITED' | 'ERR_CONCURRENCY_LIMITED' | 'ERR_OVERLOADED';
  /** `rate`, `concurrency` or `overload` (the metric label). */
  reason: 'rate' | 'concurrency' | 'overload';
  /** Also sent as `Retry-After`. */
  retryAfterSeconds: number;
  message: string;
}

/** Writes the refusal's body (JSON-RPC error, problem+json…). Headers (`Retry-After`, `RateLimit`) are already set. */
export type RefusalWriter = (req: Request, res: Response, next: NextFunction, refusal: Refusal) => void;

// Where shedLoad keeps the release of the request's global in-flight slot (a delayed refusal frees it early).
const IN_FLIGHT_RELEASE = 'mcpPlatformInFlightRelease';

/**
 * Answers a principal's refusal after `delayMs` (at most `retryAfterSeconds`): a client that
 * ignores `Retry-After` and re-sends at once cannot turn refusals into a CPU flood that starves
 * everyone else (200 connections re-sending → at most 200 refusals per `delayMs`). The request
 * gives back its global in-flight slot first, so waiting refusals never shed other callers.
 */
function refuseLater(req: Request, res: Response, next: NextFunction, refuse: RefusalWriter, refusal: Refusal, delayMs: number): void {
  const wait = Math.min(delayMs, refusal.retryAfterSeconds * 1000);
  if (wait <= 0) return refuse(req, res, next, refusal);
  (res.locals[IN_FLIGHT_RELEASE] as (() => void) | undefined)?.();
  const timer = setTimeout(() => {
    if (!res.writableEnded && !res.destroyed) refuse(req, res, next, refusal);
  }, wait);
  res.once('close', () => clearTimeout(timer));
}

/**
 * Load shedding: a global cap on requests in flight in this process, checked
 * first (before authentication, before the body is read). Above it the request
 * gets `503` with `Retry-After` at once, so the event loop keeps serving the
 * requests it already holds.
 *
 * @example
 * ```ts
 * app.post('/mcp', shedLoad(createConcurrencyLimiter(256), writeRefusal), requireAuth, handler);
 * ```
 */
export function shedLoad(inFlight: ConcurrencyLimiter, refuse: RefusalWriter, retryAfterSeconds = 1): RequestHandler {
  return (req, res, next) => {
    const release = inFlight.tryAcquire('*');
    if (!release) {
      res.setHeader('Retry-After', String(retryAfterSeconds));
      refuse(req, res, next, {
        status: 503,
        code: 'ERR_OVERLOADED',
        reason: 'overload',
        retryAfterSeconds,
        message: 'The server is at capacity; retry shortly.',
      });
      return;
    }
    res.locals[IN_FLIGHT_RELEASE] = release;
    res.once('close', release);
    next();
  };
}

/** Options of {@link limitPerPrincipal}. */
export interface PrincipalLimitsOptions {
  rate: RateLimiter;
  concurrency: ConcurrencyLimiter;
  /** The authenticated principal's key (runs after authentication), e.g. `user:alice`. */
  keyOf: (req: Request, res: Response) => string;
  refuse: RefusalWriter;
  /** Delay before a refusal is answered, in ms (capped at its `Retry-After`). Default 0: at once. */
  refusalDelayMs?: number;
}

/**
 * Fair share per authenticated principal: a token-bucket rate limit (shared
 * through Redis when configured) and a cap on requests in flight. Every answer
 * carries the draft IETF `RateLimit` / `RateLimit-Policy` headers; a refusal is
 * `429` with `Retry-After`, given before the body is read or any work is done.
 *
 * @example
 * ```ts
 * app.post('/mcp', requireAuth, limitPerPrincipal({ rate, concurrency, keyOf: (req) => `user:${req.auth!.clientId}`, refuse }), handler);
 * ```
 */
export function limitPerPrincipal(options: PrincipalLimitsOptions): RequestHandler {
  const { rate, concurrency, refuse } = options;
  const delayMs = options.refusalDelayMs ?? 0;
  return (req, res, next) => {
    const key = options.keyOf(req, res);
    const release = concurrency.tryAcquire(key);
    if (!release) {
      res.setHeader('Retry-After', '1');
      refuseLater(req, res, next, refuse, {
        status: 429,
        code: 'ERR_CONCURRENCY_LIMITED',
        reason: 'concurrency',
        retryAfterSeconds: 1,
        message: `Too many requests in flight for this caller (at most ${concurrency.limit}); retry when one finishes.`,
      }, delayMs);
      return;
    }
    res.once('close', release);
    rate.consume(key).then(
      (r) => {
        res.setHeader('RateLimit-Policy', rate.policyHeader());
        res.setHeader('RateLimit', `"${rate.policy.name}"; r=${r.remaining}; t=${r.resetSeconds}`);
        if (r.allowed) return next();
        release();
        res.setHeader('Retry-After', String(r.resetSeconds));
        refuseLater(req, res, next, refuse, {
          status: 429,
          code: 'ERR_RATE_LIMITED',
          reason: 'rate',
          retryAfterSeconds: r.resetSeconds,
          message: `Rate limit exceeded for this caller; retry after ${r.resetSeconds} s.`,
        }, delayMs);
      },
      (err: unknown) => {
        release();
        next(err);
      },
    );
  };
}

/** Options of {@link chargeCallCost}. */
export interface CallCostOptions extends PrincipalLimitsOptions {
  /**
   * The weight of this request in requests (runs after the body is parsed; `1` = an ordinary call,
   * already charged by {@link limitPerPrincipal}). Non-integers are rounded up; capped at the
   * concurrency limit.
   */
  costOf: (req: Request) => number;
}

/**
 * Fair share by cost, not by count: after the body is parsed, a call heavier than one request
 * (e.g. `list_devices {limit: 500}`, declared by the tool's `cost`) takes `cost - 1` more tokens from
 * the principal's bucket and `cost - 1` more of its concurrency allowance, on top of the one
 * {@link limitPerPrincipal} took. One principal's expensive calls therefore cannot fill the event
 * loop: at the defaults (16 in flight, 50/s) at most one 11-weight call of a principal runs at a
 * time, about 4 a second. Refusals are `429` with `Retry-After`, like the first check's.
 *
 * @example
 * ```ts
 * app.post('/mcp', requireAuth, limitPerPrincipal(o), express.json(), chargeCallCost({ ...o, costOf: (req) => toolCost(req.body) }), handler);
 * ```
 */
export function chargeCallCost(options: CallCostOptions): RequestHandler {
  const { rate, concurrency, refuse } = options;
  const delayMs = options.refusalDelayMs ?? 0;
  return (req, res, next) => {
    const raw = options.costOf(req);
    const cost = Number.isFinite(raw) ? Math.min(Math.max(1, Math.ceil(raw)), concurrency.limit) : 1;
    if (cost <= 1) return next();
    const key = options.keyOf(req, res);
    const release = concurrency.tryAcquire(key, cost - 1);
    if (!release) {
      res.setHeader('Retry-After', '1');
      refuseLater(req, res, next, refuse, {
        status: 429,
        code: 'ERR_CONCURRENCY_LIMITED',
        reason: 'concurrency',
        retryAfterSeconds: 1,
        message: `This call weighs ${cost} requests and this caller already has work in flight (at most ${concurrency.limit}); retry when it finishes.`,
      }, delayMs);
      return;
    }
    res.once('close', release);
    rate.consume(key, cost - 1).then(
      (r) => {
        if (r.allowed) return next();
        release();
        res.setHeader('Retry-After', String(r.resetSeconds));
        refuseLater(req, res, next, refuse, {
          status: 429,
          code: 'ERR_RATE_LIMITED',
          reason: 'rate',
          retryAfterSeconds: r.resetSeconds,
          message: `Rate limit exceeded for this caller (this call weighs ${cost} requests); retry after ${r.resetSeconds} s.`,
        }, delayMs);
      },
      (err: unknown) => {
        release();
        next(err);
      },
    );
  };
}
