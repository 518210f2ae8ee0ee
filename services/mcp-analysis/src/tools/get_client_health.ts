import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';

export const getClientHealth = defineTool<AnalysisDeps>()({
  name: 'get_client_health',
  title: 'Get client health',
  description: 'Returns the Assurance health of clients (all, wired, wireless): client counts and the percentage of clients with a good experience. Use it to gauge user impact.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({}),
  output: z.object({
    categories: z.array(z.object({ site_id: z.string().nullable(), type: z.string().describe('ALL, WIRED or WIRELESS'), health_score: z.number().nullable(), clients: z.number().nullable() })),
  }),
  handler: async (_args, { deps, signal }) => {
    const sites = await deps.catalyst.getClientHealth({}, { signal });
    return {
      categories: sites.flatMap((s) =>
        s.scoreDetail.map((d) => ({ site_id: s.siteId ?? null, type: d.scoreCategory.value ?? 'UNKNOWN', health_score: typeof d.scoreValue === 'number' ? d.scoreValue : null, clients: typeof d.clientCount === 'number' ? d.clientCount : null })),
      ),
    };
  },
  render: (o) => o.categories.map((c) => `- ${c.type}: ${c.health_score ?? '?'}% healthy of ${c.clients ?? '?'} clients`).join('\n') || 'No client health data.',
});
