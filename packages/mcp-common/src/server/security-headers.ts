import type { RequestHandler } from 'express';
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
 * left to the TLS terminator (the services speak plain HTTP behind it).
 *
 * @example
 * ```ts
 * app.use(securityHeaders());
 * app.use('/docs', securityHeaders({ contentSecurityPolicy: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] }, noStore: false }));
 * ```
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): RequestHandler {
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: options.contentSecurityPolicy ?? API_CSP },
    strictTransportSecurity: false,
    // Browser MCP clients read the protected-resource metadata cross-origin (CORS decides, not CORP).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  const noStore = options.noStore ?? true;
  return (req, res, next) => {
    if (noStore) res.setHeader('Cache-Control', 'no-store');
    headers(req, res, next);
  };
}
