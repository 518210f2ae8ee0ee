import { validateHostHeader } from '@modelcontextprotocol/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The `Host` names a service answers to: loopback, its public URL's host, and `extra`
 * (`ALLOWED_HOSTS`). Anything else is a DNS-rebinding attempt or a misrouted request.
 *
 * @example
 * ```ts
 * allowedHostnames('https://mcp.example.com/mcp', ['mcp-network.internal']);
 * // ['localhost', '127.0.0.1', '[::1]', 'mcp.example.com', 'mcp-network.internal']
 * ```
 */
export function allowedHostnames(publicUrl: string | URL, extra: readonly string[] = []): string[] {
  return [...new Set([...LOOPBACK, new URL(publicUrl).hostname, ...extra])];
}

/**
 * Refuses requests whose `Host` header is not in `allowed` (DNS-rebinding
 * protection), with the SDK's own check (`validateHostHeader`). `refuse`
 * writes the answer in the service's error format; the default is a 403 JSON-RPC error.
 *
 * @example
 * ```ts
 * app.use('/api', requireAllowedHost(allowedHostnames(publicUrl, config.ALLOWED_HOSTS), (req, res, next) => next(new ProblemError(403, …))));
 * ```
 */
export function requireAllowedHost(
  allowed: readonly string[],
  refuse: (req: Request, res: Response, next: NextFunction, message: string) => void = (_req, res, _next, message) => {
    res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  },
): RequestHandler {
  const names = [...allowed];
  // Clients send the same few Host values on every request: each one found allowed is remembered (bounded).
  const allowedValues = new Set<string>();
  return (req, res, next) => {
    const host = req.headers.host;
    if (host !== undefined && allowedValues.has(host)) return next();
    const result = validateHostHeader(host, names);
    if (result.ok) {
      if (host !== undefined && allowedValues.size < 256) allowedValues.add(host);
      return next();
    }
    refuse(req, res, next, result.message);
  };
}
