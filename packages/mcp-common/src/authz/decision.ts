// Internal: turning an engine's raw answer into a Decision, failing closed.
import { z } from 'zod';
import type { Decision } from './types.ts';

/** The reason every engine fault is reported with. */
export const UNAVAILABLE_REASON = 'policy engine unavailable';

const resultSchema = z.object({ allow: z.boolean(), reasons: z.array(z.string()) });

/** A deny that says the engine could not decide. A fresh object each time (callers may mutate). */
export function unavailable(): Decision {
  return { allow: false, reasons: [UNAVAILABLE_REASON], error: 'ERR_AUTHZ_UNAVAILABLE' };
}

/** The Decision in `result`, or `undefined` when it is not `{ allow: boolean, reasons: string[] }`. */
export function parseResult(result: unknown): Decision | undefined {
  const parsed = resultSchema.safeParse(result);
  return parsed.success ? { allow: parsed.data.allow, reasons: parsed.data.reasons } : undefined;
}
