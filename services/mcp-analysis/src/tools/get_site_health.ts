import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';

const n = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);

export const getSiteHealth = defineTool<AnalysisDeps>()({
  name: 'get_site_health',
  title: 'Get site health',
  description:
    'Returns the Assurance health of each site (areas and buildings): healthy network devices and clients, and the health of access, distribution, core, router and wireless devices there. ' +
    'Use it to answer "which site has a problem" or "why is this site slow"; then get_device_health with the site_id.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    site_type: z.enum(['AREA', 'BUILDING']).optional().describe('Only areas or only buildings'),
  }),
  output: z.object({
    sites: z.array(
      z.object({
        site_id: z.string(),
        name: z.string(),
        parent: z.string().nullable(),
        type: z.string().nullable(),
        network_health: z.number().nullable().describe('Percentage of healthy network devices'),
        devices: z.number().nullable(),
        access: z.number().nullable(),
        distribution: z.number().nullable(),
        core: z.number().nullable(),
        router: z.number().nullable(),
        wireless: z.number().nullable(),
        client_health: z.number().nullable().describe('Percentage of healthy clients'),
        clients: z.number().nullable(),
      }),
    ),
  }),
  handler: async (args, { deps, signal }) => {
    const sites = await deps.catalyst.getSiteHealth({ ...(args.site_type ? { siteType: args.site_type } : {}), limit: 50 }, { signal });
    return {
      sites: sites.map((s) => ({
        site_id: s.siteId,
        name: s.siteName,
        parent: s.parentSiteName ?? null,
        type: s.siteType ?? null,
        network_health: n(s.healthyNetworkDevicePercentage),
        devices: n(s.numberOfNetworkDevice),
        access: n(s.networkHealthAccess),
        distribution: n(s.networkHealthDistribution),
        core: n(s.networkHealthCore),
        router: n(s.networkHealthRouter),
        wireless: n(s.networkHealthWireless),
        client_health: n(s.healthyClientsPercentage),
        clients: n(s.numberOfClients),
      })),
    };
  },
  render: (o) =>
    o.sites.length === 0
      ? 'No sites.'
      : o.sites.map((s) => `- ${s.name} (${s.type ?? 'site'}): network ${s.network_health ?? '-'}% of ${s.devices ?? 0} devices, clients ${s.client_health ?? '-'}% id=${s.site_id}`).join('\n'),
});
