import type { IncomingMessage } from 'node:http';
import { finished, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { parse as parseContentType } from 'content-type';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import iconv from 'iconv-lite';
import getRawBody from 'raw-body';
import { jsonDepthGuard } from '../input/index.ts';

/** The media types the MCP endpoint parses as JSON. */
const JSON_TYPES = ['application/json', 'application/*+json'];
/** At most this many distinct `Content-Type` values are remembered (hostile values cannot grow the map). */
const VERDICTS_MAX = 256;
/** RFC 8259 whitespace, then the first other character (or the end). */
// eslint-disable-next-line no-control-regex -- JSON's whitespace is tab, LF and CR
const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;

/** Options of {@link mcpJsonBody}. */
export interface McpJsonBodyOptions {
  /** Largest accepted body in bytes (413 above it). */
  maxBodyBytes: number;
  /** Deepest nesting, checked on the raw bytes before parsing (400 naming the path). */
  maxJsonDepth: number;
}

/** What a `Content-Type` value means for the body: parsed or not, and in which charset (or why not). */
type TypeVerdict = { json: false } | { json: true; charset: string; unsupported: boolean };

/** An error shaped as body-parser's (`status`, `expose`, `type`), which the app's error handler answers. */
function bodyError(status: number, message: string, type: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { status, statusCode: status, expose: status < 500, type });
}

/** http-errors' `createError(status, err)`: the error keeps its own status, or gets this one. */
function withStatus(error: unknown, status: number, type?: string): unknown {
  if (!(error instanceof Error)) return bodyError(status, String(error), type ?? 'entity.parse.failed');
  const e = error as Error & { status?: unknown; statusCode?: unknown; expose?: boolean; type?: string };
  if (typeof e.status !== 'number' && typeof e.statusCode !== 'number') Object.assign(e, { status, statusCode: status, expose: status < 500 });
  if (type !== undefined && e.type === undefined) e.type = type;
  return e;
}

/** on-finished's `isFinished` for a request: its body was read already, or can no longer be. */
function bodyGone(req: IncomingMessage): boolean {
  // Node sets `upgrade` on every request; its types leave it out.
  const { socket, upgrade } = req as IncomingMessage & { socket: IncomingMessage['socket'] | null; upgrade?: boolean };
  return Boolean(upgrade || !socket || !socket.readable || (req.complete && !req.readable));
}

/** type-is's `hasBody`: a `Transfer-Encoding`, or a numeric `Content-Length`. */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
}

/** Reads off the rest of a refused request, then calls back (body-parser answers only after the body is gone). */
function drain(req: IncomingMessage, then: () => void): void {
  if (bodyGone(req)) {
    setImmediate(then);
    return;
  }
  finished(req, { readable: true, writable: false }, () => then());
  req.resume();
}

/** The decompressing stream of a `Content-Encoding` body-parser inflates, or `undefined` (415). */
function decompressor(encoding: string): zlib.Inflate | zlib.Gunzip | zlib.BrotliDecompress | zlib.ZstdDecompress | undefined {
  switch (encoding) {
    case 'deflate':
      return zlib.createInflate();
    case 'gzip':
      return zlib.createGunzip();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd':
      return 'createZstdDecompress' in zlib ? zlib.createZstdDecompress() : undefined;
    default:
      return undefined;
  }
}

/** body-parser's strict JSON: `{}` for an empty body, only an object or array at the top, else a 400. */
function parseStrict(text: string): unknown {
  if (text.length === 0) return {};
  if (text[0] !== '{' && text[0] !== '[') {
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1];
    if (first !== '{' && first !== '[') throw bodyError(400, `Unexpected token ${JSON.stringify(first ?? '')} at the top of the body (an object or array is required)`, 'entity.parse.failed');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw withStatus(error, 400, 'entity.parse.failed');
  }
}

/** The bytes as text in `charset` (a UTF-8 BOM dropped, as iconv-lite drops it for body-parser). */
function decode(body: Buffer, charset: string): string {
  if (charset !== 'utf-8') return iconv.decode(body, charset);
  const text = body.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The MCP endpoint's body reader: the request's JSON body into `req.body`, with the answers
 * `express.json` (body-parser) gives for the same options — 413 over `maxBodyBytes`, 400 naming
 * the path when the raw bytes nest deeper than `maxJsonDepth` (checked before `JSON.parse`), 400
 * for bad or non-strict JSON (only an object or array; an empty body reads as `{}`), 415 for a
 * charset other than `utf-*` or a `Content-Encoding` other than identity/gzip/deflate/br/zstd,
 * 400 for an aborted body or one that does not match its `Content-Length`; a body that is not
 * `application/json` or `application/*+json` (or a request without a body) is left unread
 * (`req.body` undefined) for the SDK to refuse.
 *
 * Built on what body-parser itself uses — `raw-body` for the stream (limit, length, abort,
 * request context kept for the callback), `content-type` for the charset, `iconv-lite` for a
 * charset other than UTF-8 — without body-parser's per-request work: the media type (type-is,
 * through `req.is`) and the charset are decided once per distinct `Content-Type` value and
 * remembered, and UTF-8 is decoded by `Buffer#toString`.
 *
 * @example
 * ```ts
 * app.post('/mcp', requireAuth, mcpJsonBody({ maxBodyBytes: 1_048_576, maxJsonDepth: 64 }), handler);
 * ```
 */
export function mcpJsonBody(options: McpJsonBodyOptions): RequestHandler {
  const verify = jsonDepthGuard(options.maxJsonDepth);
  const verdicts = new Map<string, TypeVerdict>();
  const verdictOf = (req: Request, contentType: string): TypeVerdict => {
    let verdict = verdicts.get(contentType);
    if (verdict === undefined) {
      if (!req.is(JSON_TYPES)) verdict = { json: false };
      else {
        const charset = parseContentType(contentType).parameters['charset']?.toLowerCase() || 'utf-8';
        verdict = { json: true, charset, unsupported: !charset.startsWith('utf-') || !iconv.encodingExists(charset) };
      }
      if (verdicts.size < VERDICTS_MAX) verdicts.set(contentType, verdict);
    }
    return verdict;
  };

  return (req: Request, res: Response, next: NextFunction) => {
    if (bodyGone(req)) return next();
    if (!Reflect.has(req, 'body')) req.body = undefined;
    const contentType = req.headers['content-type'];
    if (!hasBody(req) || contentType === undefined) return next();
    const verdict = verdictOf(req, contentType);
    if (!verdict.json) return next();
    const { charset } = verdict;
    if (verdict.unsupported) return next(bodyError(415, `unsupported charset "${charset.toUpperCase()}"`, 'charset.unsupported'));

    let length: string | undefined;
    let inflate: ReturnType<typeof decompressor>;
    const contentEncoding = (req.headers['content-encoding'] || 'identity').toLowerCase();
    if (contentEncoding === 'identity') length = req.headers['content-length'];
    else {
      inflate = decompressor(contentEncoding);
      if (inflate === undefined) return next(bodyError(415, `unsupported content encoding "${contentEncoding}"`, 'encoding.unsupported'));
      req.pipe(inflate);
    }
    const stream: Readable = inflate ?? req;

    getRawBody(stream, { length, limit: options.maxBodyBytes }, (error, body) => {
      if (error) {
        if (inflate !== undefined) {
          req.unpipe();
          inflate.destroy();
        }
        const refused = withStatus(error, 400);
        drain(req, () => next(refused));
        return;
      }
      if (inflate !== undefined) {
        req.unpipe(inflate);
        inflate.on('error', () => {});
        inflate.destroy();
        req.resume();
      }
      try {
        verify(req, res, body);
      } catch (refusal) {
        next(withStatus(refusal, 403, 'entity.verify.failed'));
        return;
      }
      try {
        req.body = parseStrict(decode(body, charset));
      } catch (refusal) {
        next(withStatus(refusal, 400, 'entity.parse.failed'));
        return;
      }
      next();
    });
  };
}
