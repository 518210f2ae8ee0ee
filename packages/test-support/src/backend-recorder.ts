import type { Dispatcher } from 'undici';

/** One request a delegating service sent to a backend, as {@link recordBackendRequests} saw it. */
export interface SeenBackendRequest {
  /** Absolute URL (`origin` + `path`). */
  url: string;
  method: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body when it was sent as a string or bytes (the hop's JSON-RPC POSTs), else `undefined`. */
  body: string | undefined;
}

function headerRecord(raw: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (k: string, v: unknown) => {
    if (v === undefined || v === null) return;
    const key = k.toLowerCase();
    const value = Array.isArray(v) ? v.map(String).join(', ') : String(v);
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  };
  if (raw === undefined || raw === null) return out;
  if (Array.isArray(raw)) {
    // Either a flat [name, value, name, value…] list or a list of [name, value] pairs.
    if (raw.length > 0 && Array.isArray(raw[0])) for (const [k, v] of raw as unknown as [string, string][]) add(k, v);
    else for (let i = 0; i + 1 < raw.length; i += 2) add(String(raw[i]), raw[i + 1]);
    return out;
  }
  if (typeof (raw as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [k, v] of raw as Iterable<[string, string]>) add(k, v);
    return out;
  }
  for (const [k, v] of Object.entries(raw)) add(k, v);
  return out;
}

/**
 * An undici interceptor that reports every request passing through it before sending it on unchanged —
 * what the REST proxy's and the gateway's tests give the backend pool (`backendInterceptors`) to see
 * what reaches the MCP servers (which token, which trace context, which tool).
 *
 * @example
 * ```ts
 * const seen: SeenBackendRequest[] = [];
 * await startGateway(config, { backendInterceptors: [recordBackendRequests((r) => seen.push(r))] });
 * ```
 */
export function recordBackendRequests(onRequest: (request: SeenBackendRequest) => void): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const origin = opts.origin === undefined ? '' : String(opts.origin).replace(/\/$/, '');
    const body = typeof opts.body === 'string' ? opts.body : opts.body instanceof Uint8Array ? Buffer.from(opts.body).toString('utf8') : undefined;
    onRequest({ url: `${origin}${opts.path}`, method: opts.method, headers: headerRecord(opts.headers), body });
    return dispatch(opts, handler);
  };
}
