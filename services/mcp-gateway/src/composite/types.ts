import type { z } from 'zod';
import type { ToolAnnotations } from '@mcp-platform/mcp-common/server';

/** How one hop of a composite tool ended. */
export type HopOutcome =
  | { status: 'ok'; result: Record<string, unknown> }
  | { status: 'denied' | 'unavailable' | 'failed'; code: string; message: string };

/** A part of a composite result that could not be obtained, and why. */
export interface MissingPart {
  part: string;
  /** The hop that failed, as exposed by the gateway (`itsm__search_incidents`). */
  tool: string;
  status: 'denied' | 'unavailable' | 'failed';
  code: string;
  reason: string;
}

/** What a composite handler gets: hops under the caller's identity. */
export interface CompositeContext {
  /** Calls `tool` on backend `server` as the caller (token exchanged for that backend; its policy decides). */
  hop(server: string, tool: string, args: Record<string, unknown>): Promise<HopOutcome>;
  signal: AbortSignal;
  /** Clock in ms. */
  now(): number;
}

/** What a composite handler returns. */
export interface CompositeOutput {
  structured: Record<string, unknown>;
  text: string;
  /** True when the tool could not do its main job (the structured result still says what is there). */
  isError: boolean;
}

/**
 * A tool of the gateway itself (prefix `ops`) that chains tools of several
 * backends. Listed to a caller only when every tool in `requires` is in that
 * caller's federated list.
 */
export interface CompositeTool<I extends z.ZodObject = z.ZodObject> {
  /** Name without the `ops__` prefix. */
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  input: I;
  output: z.ZodObject;
  /** Exposed names the tool cannot work without. */
  requires: readonly string[];
  handler(args: z.output<I>, ctx: CompositeContext): Promise<CompositeOutput>;
}

/** Declares a composite tool with its argument type inferred from `input`. */
export function defineComposite<I extends z.ZodObject>(tool: CompositeTool<I>): CompositeTool<I> {
  return tool;
}

/** A missing-part record from a failed hop. */
export function missing(part: string, tool: string, outcome: Exclude<HopOutcome, { status: 'ok' }>): MissingPart {
  return { part, tool, status: outcome.status, code: outcome.code, reason: outcome.message };
}
