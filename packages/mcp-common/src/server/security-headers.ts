import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /**
   * `Content-Security-Policy` of the answers. Default `default-src 'none'; frame-ancestors 'none'`
   * (JSON APIs: nothing to load, never framed). An HTML page passes its own, keeping `frame-ancestors`.
   */
  contentSecurityPolicy?: Record<string, string[]>;
  /** Send `Cache-Control: no-store` (API answers carry per-caller data). Default true. */
  noStore?: boolean;
}

const API_CSP: Record<string, string[]> = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] };

/**
 * The platform's security headers on every answer, through `helmet`:
 * `X-Content-Type-Options: nosniff`, a `frame-ancestors` CSP, `X-Frame-Options`,
 * `Referrer-Policy: no-referrer`, cross-origin isolation headers — plus
 * `Cache-Control: no-store`, since API answers carry per-caller data. HSTS is
 * left to the TLS terminator (the services speak plain HTTP behind it). The headers are constant, so
 * they are taken from helmet once, when the middleware is made, not per request.
 *
 * @example
 * ```ts
 * app.use(securityHeaders());
 * app.use('/docs', securityHeaders({ contentSecurityPolicy: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] }, noStore: false }));
 * ```
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): RequestHandler {
  const middleware = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: options.contentSecurityPolicy ?? API_CSP },
    strictTransportSecurity: false,
    // Browser MCP clients read the protected-resource metadata cross-origin (CORS decides, not CORP).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  // These options make every helmet header a constant (no per-request directive functions): take them
  // once, from helmet itself, and set them on each answer without running its middleware chain.
  const set: Array<[string, string]> = options.noStore ?? true ? [['Cache-Control', 'no-store']] : [];
  const removed: string[] = [];
  let finished = false;
  const recorder = {
    setHeader: (name: string, value: string) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  };
  middleware({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err !== undefined) throw err;
    finished = true;
  });
  if (!finished) throw new TypeError('securityHeaders: helmet did not answer synchronously; its headers cannot be taken once');
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}
