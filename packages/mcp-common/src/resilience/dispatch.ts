import { errors, type Dispatcher } from 'undici';

const { RequestAbortedError } = errors;

/** What receives an answer's body once its status and headers are known (see {@link dispatchRequest}). */
export interface BodySink<T> {
  /** One chunk of the body; return `true` when the sink has what it needs (the rest is not read: the request is aborted). Throwing aborts too. */
  data(chunk: Buffer): boolean;
  /** The value {@link dispatchRequest} resolves with, once the body ended or the sink said it has enough. */
  end(): T;
  /** When present, a failure while the body is read resolves with this value instead of rejecting (an error answer's body is best effort). */
  failed?(err: unknown): T;
}

/** A response header, several values joined with `, ` (as undici's `request` gives them to callers). */
export type HeaderOf = (name: string) => string | undefined;

/** The response headers as undici parsed them (lower-case names; a repeated header is an array), as undici's `request` gives them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** One request of {@link dispatchRequest}. */
export interface DispatchedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  /** The request body (a JSON text); none for `undefined`. */
  body?: string;
}

/**
 * One HTTP request on `dispatcher` (a keep-alive `Pool` or `Agent`, possibly composed with interceptors)
 * through undici's `dispatch` with a handler of its own: the body goes straight to `start`'s sink, without
 * the `Readable` stream, `AsyncResource` and async iterator that undici's `request` builds for every
 * answer (about a third of a small call's client-side CPU). `start` sees the status and headers and
 * returns the sink for that answer, or throws to refuse it. Failures reject with the error undici or
 * the sink gave; an abort of `signal` rejects at once with its reason (undici's
 * `RequestAbortedError` without one) and aborts the request. The one way the platform's HTTP clients
 * (the MCP hop, and `requestJson` for upstream APIs) send a request.
 *
 * @example
 * ```ts
 * const text = await dispatchRequest(pool, { method: 'POST', url: new URL(url), headers, body }, signal, () => textSink(1 << 20));
 * ```
 */
export function dispatchRequest<T>(dispatcher: Dispatcher, req: DispatchedRequest, signal: AbortSignal | undefined, start: (status: number, header: HeaderOf, headers: ResponseHeaders) => BodySink<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let abortReason: unknown;
    let sink: BodySink<T> | undefined;
    const settle = (err: unknown, value?: T): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(value as T);
      else reject(err);
    };
    /** Stops the request (a connection mid-answer is closed, as destroying the body of `request` closes it). */
    const stop = (reason: unknown): void => {
      abortReason ??= reason;
      controller?.abort(reason instanceof Error ? reason : new RequestAbortedError());
    };
    function onAbort(): void {
      const reason: unknown = signal?.reason ?? new RequestAbortedError();
      settle(reason);
      stop(reason);
    }
    if (signal?.aborted) {
      reject(signal.reason ?? new RequestAbortedError());
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      try {
        settle(undefined, (sink as BodySink<T>).end());
      } catch (err) {
        settle(err);
      }
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        // Aborted while the request waited for a connection: it never leaves.
        if (abortReason !== undefined) c.abort(abortReason instanceof Error ? abortReason : new RequestAbortedError());
      },
      onResponseStart(_c, statusCode, responseHeaders) {
        if (statusCode < 200 || settled) return;
        const header: HeaderOf = (name) => {
          const v = responseHeaders[name];
          return Array.isArray(v) ? v.join(', ') : v;
        };
        try {
          sink = start(statusCode, header, responseHeaders as ResponseHeaders);
        } catch (err) {
          settle(err);
          stop(err);
        }
      },
      onResponseData(_c, chunk) {
        if (settled || sink === undefined) return;
        let enough: boolean;
        try {
          enough = sink.data(chunk);
        } catch (err) {
          settle(err);
          stop(err);
          return;
        }
        if (enough) {
          finish();
          stop(new RequestAbortedError('answer complete'));
        }
      },
      onResponseEnd() {
        if (!settled && sink !== undefined) finish();
      },
      onResponseError(_c, err) {
        if (settled) return;
        if (sink?.failed === undefined) return settle(err);
        try {
          settle(undefined, sink.failed(err));
        } catch (e) {
          settle(e);
        }
      },
    };
    try {
      const { url } = req;
      dispatcher.dispatch({ origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname, method: req.method, headers: req.headers, body: req.body }, handler);
    } catch (err) {
      settle(err);
    }
  });
}
