import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';
import { Device, toDevice } from '../schemas.ts';

export const getDevice = defineTool<NetworkDeps>()({
  name: 'get_device',
  title: 'Get a network device',
  description: 'Returns one network device managed by Catalyst Center by its id (from list_devices): platform, role, software version, reachability.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    device_id: z.uuid().describe('Device UUID, as returned by list_devices'),
  }),
  output: z.object({ device: Device }),
  handler: async (args, { deps, signal }) => ({ device: toDevice(await deps.catalyst.getDevice(args.device_id, { signal })) }),
  render: ({ device: d }) =>
    `${d.hostname}: ${d.role} ${d.platformId} (${d.family}), IOS-XE ${d.softwareVersion}, ${d.managementIpAddress}, ${d.reachabilityStatus}, serial ${d.serialNumber}`,
});
