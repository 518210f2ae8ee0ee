import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { platformErrorOf } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';

/**
 * The MCP app's last error handler: a JSON-RPC shaped error, never a stack trace. The status is the
 * error's own (`status`, as body-parser and `mcpJsonBody` set it) or 500 (then logged): 413 →
 * `-32600 Request body too large`; a body refused before parsing for its depth (`ERR_VALIDATION`,
 * 400) → `-32600` with the message that names the path; any other 4xx → `-32700 Invalid request
 * body`; 5xx → `-32603 Internal error`.
 *
 * @example
 * ```ts
 * app.use(jsonRpcErrorHandler(logger));
 * ```
 */
export function jsonRpcErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown } | null)?.status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) logger.error('request failed', { error: err });
    const typed = platformErrorOf(err);
    if (status === 400 && typed?.code === 'ERR_VALIDATION') {
      // A body refused before parsing (too deep): the message names the path, nothing was dispatched.
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32600, message: typed.message, data: { code: typed.code, retryable: false } }, id: null });
      return;
    }
    res.status(status).json({
      jsonrpc: '2.0',
      error: { code: status === 413 ? -32600 : status < 500 ? -32700 : -32603, message: status === 413 ? 'Request body too large' : status < 500 ? 'Invalid request body' : 'Internal error' },
      id: null,
    });
  };
}
