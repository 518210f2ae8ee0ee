import type { IncomingMessage } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import { jsonDepthGuard } from '../input/index.ts';

/** The media types the MCP endpoint parses as JSON. */
const JSON_TYPES = ['application/json', 'application/*+json'];
/** At most this many distinct `Content-Type` values are remembered (hostile values cannot grow the map). */
const VERDICTS_MAX = 256;

/** Options of {@link mcpJsonBody}. */
export interface McpJsonBodyOptions {
  /** Largest accepted body in bytes (413 above it). */
  maxBodyBytes: number;
  /** Deepest nesting, checked on the raw bytes before parsing (400 naming the path). */
  maxJsonDepth: number;
}

/**
 * The MCP endpoint's body parser: `express.json` with the size limit, the depth guard before
 * `JSON.parse`, and the JSON media types (`application/json`, `application/*+json`). Whether a
 * `Content-Type` value is one of them is decided by `type-is` (through `req.is`) once per distinct
 * value and remembered: clients send the same few values on every request, and the check was a
 * visible share of a tool call's cost.
 *
 * @example
 * ```ts
 * app.post('/mcp', requireAuth, mcpJsonBody({ maxBodyBytes: 1_048_576, maxJsonDepth: 64 }), handler);
 * ```
 */
export function mcpJsonBody(options: McpJsonBodyOptions): RequestHandler {
  const verdicts = new Map<string, boolean>();
  // body-parser asks only for requests that have a body; then type-is's answer depends on the header alone.
  const isJson = (incoming: IncomingMessage): boolean => {
    // Express hands body-parser its own request (the middleware is only ever mounted on an Express app).
    const req = incoming as Request;
    const contentType = req.headers['content-type'];
    if (contentType === undefined) return false;
    let verdict = verdicts.get(contentType);
    if (verdict === undefined) {
      verdict = Boolean(req.is(JSON_TYPES));
      if (verdicts.size < VERDICTS_MAX) verdicts.set(contentType, verdict);
    }
    return verdict;
  };
  return express.json({ limit: options.maxBodyBytes, type: isJson, verify: jsonDepthGuard(options.maxJsonDepth) });
}
