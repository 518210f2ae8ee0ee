import { z } from 'zod';

/** The device fields composite tools report (Catalyst Center's names, as mcp-network returns them). */
export const DeviceSummary = z
  .object({
    id: z.string(),
    hostname: z.string(),
    managementIpAddress: z.string(),
    role: z.string(),
    reachabilityStatus: z.string(),
  })
  .passthrough();
export type DeviceSummary = z.infer<typeof DeviceSummary>;

/** A part of a composite result that could not be obtained, and why. */
export const MissingPartSchema = z.object({
  part: z.string().describe('Which part of the result is missing'),
  tool: z.string().describe('The hop that failed, as exposed by the gateway'),
  status: z.enum(['denied', 'unavailable', 'failed']),
  code: z.string().describe('Platform error code, e.g. ERR_AUTHZ_DENIED'),
  reason: z.string(),
});

/** Reads the device out of a `network__get_device` result. */
export function deviceOf(result: Record<string, unknown>): DeviceSummary | undefined {
  const parsed = DeviceSummary.safeParse(result['device']);
  return parsed.success ? parsed.data : undefined;
}
