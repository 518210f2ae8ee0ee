import { errors, type Dispatcher } from 'undici';

const { RequestAbortedError } = errors;

/** What receives an answer's body once its status and headers are known (see {@link dispatchPost}). */
export interface BodySink<T> {
  /** One chunk of the body; return `true` when the sink has what it needs (the rest is not read: the request is aborted). Throwing aborts too. */
  data(chunk: Buffer): boolean;
  /** The value {@link dispatchPost} resolves with, once the body ended or the sink said it has enough. */
  end(): T;
  /** When present, a failure while the body is read resolves with this value instead of rejecting (an error answer's body is best effort). */
  failed?(err: unknown): T;
}

/** A response header, several values joined with `, ` (as undici's `request` gives them to callers). */
export type HeaderOf = (name: string) => string | undefined;

/**
 * One POST on `dispatcher` (a keep-alive `Pool`, possibly composed with interceptors) through undici's
 * `dispatch` with a handler of its own: the body goes straight to `start`'s sink, without the
 * `Readable` stream, `AsyncResource` and async iterator that undici's `request` builds for every
 * answer (about a third of the hop's client-side CPU). `start` sees the status and headers and
 * returns the sink for that answer, or throws to refuse it. Failures reject with the error undici or
 * the sink gave; an abort of `signal` rejects at once with its reason (undici's
 * `RequestAbortedError` without one) and aborts the request.
 *
 * @example
 * ```ts
 * const text = await dispatchPost(pool, new URL(url), headers, body, signal, () => textSink(1 << 20));
 * ```
 */
export function dispatchPost<T>(dispatcher: Dispatcher, url: URL, headers: Record<string, string>, body: string, signal: AbortSignal, start: (status: number, header: HeaderOf) => BodySink<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let abortReason: unknown;
    let sink: BodySink<T> | undefined;
    const settle = (err: unknown, value?: T): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(value as T);
      else reject(err);
    };
    /** Stops the request (a connection mid-answer is closed, as destroying the body of `request` closes it). */
    const stop = (reason: unknown): void => {
      abortReason ??= reason;
      controller?.abort(reason instanceof Error ? reason : new RequestAbortedError());
    };
    function onAbort(): void {
      const reason: unknown = signal.reason ?? new RequestAbortedError();
      settle(reason);
      stop(reason);
    }
    if (signal.aborted) {
      reject(signal.reason ?? new RequestAbortedError());
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
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
          sink = start(statusCode, header);
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
      dispatcher.dispatch({ origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname, method: 'POST', headers, body }, handler);
    } catch (err) {
      settle(err);
    }
  });
}
