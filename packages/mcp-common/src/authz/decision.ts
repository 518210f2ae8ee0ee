// Internal: turning an engine's raw answer into a Decision, failing closed.
import { z } from 'zod';
import type { Decision } from './types.ts';

/** The reason every engine fault is reported with. */
export const UNAVAILABLE_REASON = 'policy engine unavailable';

// RFC 9470 `acr_values` are space-free tokens; `max_age` a non-negative integer of seconds.
const stepUpSchema = z.object({
  acr_values: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).min(1),
  max_age: z.number().int().nonnegative().optional(),
});
const resultSchema = z.object({ allow: z.boolean(), reasons: z.array(z.string()), step_up: stepUpSchema.optional() });

/** A deny that says the engine could not decide. A fresh object each time (callers may mutate). */
export function unavailable(): Decision {
  return { allow: false, reasons: [UNAVAILABLE_REASON], error: 'ERR_AUTHZ_UNAVAILABLE' };
}

/** The Decision in `result`, or `undefined` when it is not `{ allow: boolean, reasons: string[], step_up?: { acr_values, max_age } }`. */
export function parseResult(result: unknown): Decision | undefined {
  const parsed = resultSchema.safeParse(result);
  if (!parsed.success) return undefined;
  const { allow, reasons, step_up: stepUp } = parsed.data;
  // A step-up demand only means something on a deny.
  if (allow || stepUp === undefined) return { allow, reasons };
  return { allow, reasons, stepUp: { acrValues: stepUp.acr_values, ...(stepUp.max_age === undefined ? {} : { maxAgeSeconds: stepUp.max_age }) } };
}
