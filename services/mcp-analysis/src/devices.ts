import { PlatformError } from '@mcp-platform/mcp-common/errors';
import type { ToolContext } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from './deps.ts';

/** A target device as the policy sees it (`resource.devices[]`). */
export interface TargetDevice {
  id: string;
  role: string;
  hostname: string;
  managementIpAddress: string;
}

/** Target devices of a device tool: 1–100 distinct UUIDs (the server's own limit is checked when resolving). */
export const deviceIdsInput = z
  .array(z.uuid())
  .min(1)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'device_ids must not repeat')
  .meta({ uniqueItems: true })
  .describe('Device UUIDs (from mcp-network list_devices or get_device_health)');

/**
 * Policy information for device tools: each target's role, hostname and address, read from
 * Catalyst Center in one call before anything is decided (and reused by the handler of the
 * same call, so it acts on exactly what the policy saw). Refuses more targets than the
 * server allows and ids Catalyst Center does not know.
 *
 * @example
 * ```ts
 * resolveResource: (args, ctx) => resolveTargets(args.device_ids, ctx),
 * ```
 */
export function resolveTargets(deviceIds: string[], ctx: ToolContext<AnalysisDeps>, field = 'device_ids'): Promise<{ devices: TargetDevice[] }> {
  // One lookup per call: the handler acts on exactly the devices the policy decided on.
  let pending = resolved.get(ctx);
  if (!pending) {
    pending = lookup(deviceIds, ctx, field);
    resolved.set(ctx, pending);
  }
  return pending;
}

const resolved = new WeakMap<object, Promise<{ devices: TargetDevice[] }>>();

async function lookup(deviceIds: string[], { deps, signal }: ToolContext<AnalysisDeps>, field: string): Promise<{ devices: TargetDevice[] }> {
  if (deviceIds.length > deps.limits.maxDevices) {
    throw new PlatformError('ERR_VALIDATION', `${field}: at most ${deps.limits.maxDevices} devices per call (got ${deviceIds.length})`);
  }
  const found = await deps.catalyst.listDevices({ id: deviceIds, limit: deviceIds.length }, { signal });
  const byId = new Map(found.map((d) => [d.id, d]));
  const missing = deviceIds.filter((id) => !byId.has(id));
  if (missing.length > 0) throw new PlatformError('ERR_VALIDATION', `${field}: unknown device(s): ${missing.join(', ')}`);
  return {
    devices: deviceIds.map((id) => {
      const d = byId.get(id)!;
      return { id, role: d.role ?? 'UNKNOWN', hostname: d.hostname ?? id, managementIpAddress: d.managementIpAddress ?? '' };
    }),
  };
}
