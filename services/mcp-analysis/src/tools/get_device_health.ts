import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';

const n = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);
const category = (score: number | null): 'GOOD' | 'FAIR' | 'POOR' | 'UNKNOWN' => (score === null ? 'UNKNOWN' : score >= 8 ? 'GOOD' : score >= 4 ? 'FAIR' : 'POOR');

export const getDeviceHealth = defineTool<AnalysisDeps>()({
  name: 'get_device_health',
  title: 'Get device health',
  description:
    'Returns the Assurance health of network devices (score 1-10: 8-10 good, 4-7 fair, 1-3 poor) with CPU, memory, interface-error and link-availability health and open issue counts. ' +
    'Filter by role, site or health category, e.g. health POOR to find the devices to look at. Device ids feed run_show_command, get_interface_counters and list_issues.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    role: z.enum(['CORE', 'DISTRIBUTION', 'ACCESS', 'ROUTER', 'WLC', 'AP']).optional().describe('Assurance device category'),
    site_id: z.uuid().optional().describe('Only devices at this site or below it (from get_site_health)'),
    health: z.enum(['POOR', 'FAIR', 'GOOD']).optional().describe('Only devices in this health category'),
    offset: z.number().int().min(1).default(1).describe('1-based index of the first device'),
    limit: z.number().int().min(1).max(500).default(50).describe('Most devices to return (1-500)'),
  }),
  output: z.object({
    devices: z.array(
      z.object({
        device_id: z.string().nullable(),
        hostname: z.string().nullable(),
        ip_address: z.string().nullable(),
        model: z.string().nullable(),
        location: z.string().nullable(),
        overall_health: z.number().nullable(),
        category: z.enum(['GOOD', 'FAIR', 'POOR', 'UNKNOWN']),
        cpu_utilization: z.number().nullable().describe('Percent'),
        memory_utilization: z.number().nullable().describe('Percent'),
        interface_error_health: z.number().nullable(),
        link_availability_health: z.number().nullable(),
        reachability: z.string().nullable(),
        issue_count: z.number().nullable(),
      }),
    ),
    next_offset: z.number().int().nullable(),
  }),
  handler: async (args, { deps, signal }) => {
    const rows = await deps.catalyst.getDeviceHealth(
      { ...(args.role ? { deviceRole: args.role } : {}), ...(args.site_id ? { siteId: args.site_id } : {}), ...(args.health ? { health: args.health } : {}), offset: args.offset, limit: args.limit },
      { signal },
    );
    return {
      devices: rows.map((d) => ({
        device_id: d.uuid ?? null,
        hostname: d.name ?? null,
        ip_address: d.ipAddress ?? null,
        model: d.model ?? null,
        location: d.location ?? null,
        overall_health: n(d.overallHealth),
        category: category(n(d.overallHealth)),
        cpu_utilization: n(d.cpuUtilization ?? d.cpuUlitilization),
        memory_utilization: n(d.memoryUtilization),
        interface_error_health: n(d.interfaceLinkErrHealth),
        link_availability_health: n(d.interDeviceLinkAvailHealth),
        reachability: d.reachabilityHealth ?? null,
        issue_count: n(d.issueCount),
      })),
      next_offset: rows.length === args.limit ? args.offset + args.limit : null,
    };
  },
  render: (o) =>
    o.devices.length === 0
      ? 'No devices match.'
      : o.devices
          .map((d) => `- ${d.hostname ?? '?'} (${d.ip_address ?? '?'}): ${d.category} ${d.overall_health ?? '?'}/10, CPU ${d.cpu_utilization ?? '?'}%, link ${d.link_availability_health ?? '?'}/10, errors ${d.interface_error_health ?? '?'}/10, ${d.reachability ?? ''}, ${d.issue_count ?? 0} issue(s) id=${d.device_id ?? '?'}`)
          .join('\n'),
});
