import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';
import { Site, toSite } from '../schemas.ts';

export const listSites = defineTool<NetworkDeps>()({
  name: 'list_sites',
  title: 'List sites',
  description: 'Lists the site hierarchy of Catalyst Center (areas, buildings, floors), e.g. "Global/US/San Jose/SJC-01".',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    type: z.enum(['area', 'building', 'floor']).optional().describe('Only sites of this type'),
  }),
  output: z.object({ sites: z.array(Site) }),
  handler: async (args, { deps, signal }) => ({
    sites: (await deps.catalyst.listSites(args.type ? { type: args.type } : {}, { signal })).map(toSite),
  }),
  render: (out) => [`${out.sites.length} site(s):`, ...out.sites.map((s) => `- ${s.siteNameHierarchy} id=${s.id}`)].join('\n'),
});
