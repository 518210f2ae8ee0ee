import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs `handlers` one after the other as one Express handler, with Express 5's own rules for each
 * step: `next()` runs the following one, `next(err)` (or a throw, or a rejected promise) hands the
 * error to the app's error handler, `next('route')`/`next('router')` leave the chain as Express
 * does. The MCP endpoint's ten steps (Host/Origin, shedding, authentication, limits, body…) run
 * on every call; as one route layer instead of ten, Express's dispatch between them is skipped.
 *
 * @example
 * ```ts
 * app.post('/mcp', handlerChain([requireAuth, express.json(), handler]));
 * ```
 */
export function handlerChain(handlers: readonly RequestHandler[]): RequestHandler {
  const steps = [...handlers];
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (err?: unknown): void => {
      if (err === 'route') return done();
      if (err !== undefined && err !== null && err !== false) return done(err);
      const step = steps[index++];
      if (step === undefined) return done();
      try {
        const returned: unknown = step(req, res, next);
        if (returned instanceof Promise) returned.then(undefined, (error: unknown) => next(error ?? new Error('Rejected promise')));
      } catch (error) {
        next(error);
      }
    };
    next();
  };
}
