import type { Response } from 'express';
import { errorCodeInfo, problemTypeOf, type PlatformErrorCode } from '@mcp-platform/mcp-common/errors';

/**
 * The `code` of every problem the proxy answers with: the platform's one
 * vocabulary. The problem `type`, HTTP status and `retryable` are derived from it.
 */
export type ProblemCode = PlatformErrorCode;

/** One failed field of a request (`pointer` is a JSON Pointer into the request body). */
export interface FieldError {
  pointer: string;
  message: string;
}

/** RFC 9457 problem details as this proxy serves them. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  retryable: boolean;
  errors?: FieldError[];
  reasons?: string[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Options of {@link ProblemError}. */
export interface ProblemOptions {
  errors?: FieldError[];
  reasons?: string[];
  /** Sent as `Retry-After`, in seconds. */
  retryAfterSeconds?: number;
  /** Sent as `WWW-Authenticate`. */
  challenge?: string;
  /**
   * Only for `ERR_VALIDATION`, which has one status per way a request can be
   * invalid: `400` (unreadable or schema-invalid), `413` (too large), `415` (not JSON);
   * default `422` (valid shape, refused by the tool's own rules). Every other code has exactly one status.
   */
  status?: 400 | 413 | 415 | 422;
  cause?: unknown;
}

/**
 * An HTTP failure the proxy answers with an RFC 9457 body. The message is
 * shown to the caller, so it never carries a token or a secret.
 *
 * @example
 * ```ts
 * throw new ProblemError('ERR_NOT_FOUND', 'No MCP server named "foo".'); // 404, derived from the code
 * ```
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly options: ProblemOptions;

  constructor(code: ProblemCode, message: string, options: ProblemOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.status !== undefined && code !== 'ERR_VALIDATION') throw new TypeError(`the status of ${code} is derived from the code; only ERR_VALIDATION takes one`);
    this.name = new.target.name;
    this.status = options.status ?? errorCodeInfo(code).status;
    this.code = code;
    this.options = options;
  }
}

/** The problem body of `err` (internal errors say nothing but the trace id). */
export function problemOf(err: ProblemError, instance?: string): ProblemBody {
  return {
    type: problemTypeOf(err.code),
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    retryable: errorCodeInfo(err.code).retryable,
    ...(err.options.errors ? { errors: err.options.errors } : {}),
    ...(err.options.reasons ? { reasons: err.options.reasons } : {}),
  };
}

/**
 * Writes `err` as `application/problem+json` with its `Retry-After` / `WWW-Authenticate` headers.
 *
 * @example
 * ```ts
 * sendProblem(res, new ProblemError('ERR_CIRCUIT_OPEN', 'network is unavailable', { retryAfterSeconds: 30 }));
 * ```
 */
export function sendProblem(res: Response, err: ProblemError, instance?: string): void {
  if (err.options.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.options.retryAfterSeconds))));
  if (err.options.challenge !== undefined) res.setHeader('WWW-Authenticate', err.options.challenge);
  res.status(err.status).type('application/problem+json').send(JSON.stringify(problemOf(err, instance)));
}
