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
  return (req, res, next) => {
    const key = options.keyOf(req, res);
    const release = concurrency.tryAcquire(key);
    if (!release) {
      res.setHeader('Retry-After', '1');
      refuse(req, res, next, {
        status: 429,
        code: 'ERR_CONCURRENCY_LIMITED',
        reason: 'concurrency',
        retryAfterSeconds: 1,
        message: `Too many requests in flight for this caller (at most ${concurrency.limit}); retry when one finishes.`,
      });
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
        refuse(req, res, next, {
          status: 429,
          code: 'ERR_RATE_LIMITED',
          reason: 'rate',
          retryAfterSeconds: r.resetSeconds,
          message: `Rate limit exceeded for this caller; retry after ${r.resetSeconds} s.`,
        });
      },
      (err: unknown) => {
        release();
        next(err);
      },
    );
  };
}
