import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';
import { Device, toDevice } from '../schemas.ts';

/** Catalyst Center matches `hostname` as a regular expression: escape everything but our `*` wildcard. */
export function hostnamePattern(glob: string): string {
  return glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
}

export const listDevices = defineTool<NetworkDeps>()({
  name: 'list_devices',
  title: 'List network devices',
  description:
    'Lists network devices managed by Cisco Catalyst Center, optionally filtered by hostname, role, platform, family or reachability. ' +
    'Results are paged: pass the returned next_offset as offset to get the next page. Use get_device for one device by id.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // Fair share: a page of n devices weighs 1 + n/50 ordinary calls (limit 500 → 11), so one caller's big pages cannot fill the event loop.
  cost: (args) => 1 + Math.ceil((typeof args['limit'] === 'number' && Number.isFinite(args['limit']) ? Math.min(Math.max(args['limit'], 1), 500) : 50) / 50),
  input: z.object({
    hostname: z.string().min(1).max(255).optional().describe('Exact hostname, or a pattern with * wildcards (e.g. "sjc01-*")'),
    role: z.enum(['ACCESS', 'DISTRIBUTION', 'CORE', 'BORDER ROUTER']).optional().describe('Device role'),
    platform_id: z.string().min(1).max(64).optional().describe('Hardware platform, e.g. "C9300-48U"'),
    family: z.string().min(1).max(64).optional().describe('Device family, e.g. "Switches and Hubs", "Routers"'),
    reachability: z.enum(['Reachable', 'Unreachable']).optional().describe('Only devices in this reachability state'),
    offset: z.number().int().min(1).default(1).describe('1-based index of the first device to return (Catalyst Center paging)'),
    limit: z.number().int().min(1).max(500).default(50).describe('Most devices to return (1-500)'),
  }),
  output: z.object({
    devices: z.array(Device),
    offset: z.number().int(),
    limit: z.number().int(),
    next_offset: z.number().int().nullable().describe('Offset of the next page, or null when this was the last page'),
  }),
  handler: async (args, { deps, signal }) => {
    const devices = await deps.catalyst.listDevices(
      {
        ...(args.hostname ? { hostname: hostnamePattern(args.hostname) } : {}),
        ...(args.role ? { role: args.role } : {}),
        ...(args.platform_id ? { platformId: args.platform_id } : {}),
        ...(args.family ? { family: args.family } : {}),
        ...(args.reachability ? { reachabilityStatus: args.reachability } : {}),
        offset: args.offset,
        limit: args.limit,
      },
      { signal },
    );
    return {
      devices: devices.map(toDevice),
      offset: args.offset,
      limit: args.limit,
      next_offset: devices.length === args.limit ? args.offset + args.limit : null,
    };
  },
  render: (out) =>
    out.devices.length === 0
      ? 'No devices match.'
      : [`${out.devices.length} device(s):`, ...out.devices.map((d) => `- ${d.hostname} (${d.role}, ${d.platformId}, ${d.managementIpAddress}, ${d.reachabilityStatus}) id=${d.id}`)].join('\n'),
});
