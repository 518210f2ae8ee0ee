import type { HttpMethod, QueryValue } from '@mcp-platform/mcp-common/resilience';
import type { z } from 'zod';

/** One Intent API call made through the client's token handling and resilience policy. */
export interface SendInput<S extends z.ZodType> {
  method: HttpMethod;
  path: string;
  /** Path with ids replaced, for logs and error messages. */
  operation: string;
  schema: S;
  idempotent: boolean;
  /**
   * `false` for a read that reports work in progress (a task, a deployment's status, a path trace): it is
   * kept for degraded mode but never answered from the read cache's fresh window. Default true.
   */
  fresh?: boolean;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Extra request headers (e.g. `entity_type` of issue enrichment). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Unwrap the `{ response, version }` envelope. */
  envelope: boolean;
  /** `text` for endpoints that answer a file (default `json`). */
  responseType?: 'json' | 'text';
  /** Largest body accepted, in bytes (default the spine's 16 MiB). */
  maxBodyBytes?: number;
}

/** Sends one call and returns the validated payload. */
export type CatalystSend = <S extends z.ZodType>(input: SendInput<S>) => Promise<z.infer<S>>;
