import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';

const n = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);

export const getNetworkHealth = defineTool<AnalysisDeps>()({
  name: 'get_network_health',
  title: 'Get overall network health',
  description:
    'Returns Catalyst Center Assurance\'s overall network health: the share of healthy devices and the health of each device category ' +
    '(Access, Distribution, Core, Router, Wireless). Start here to see whether and where the network is degraded, then use get_site_health or get_device_health.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({}),
  output: z.object({
    health_score: z.number().nullable().describe('Percentage of healthy devices (0-100)'),
    monitored_devices: z.number().nullable(),
    healthy_devices: z.number().nullable(),
    unhealthy_devices: z.number().nullable(),
    categories: z.array(
      z.object({
        category: z.string().describe('Access, Distribution, Core, Router or Wireless'),
        health_score: z.number().nullable(),
        total: z.number().nullable(),
        good: z.number().nullable(),
        fair: z.number().nullable(),
        poor: z.number().nullable(),
      }),
    ),
  }),
  handler: async (_args, { deps, signal }) => {
    const h = await deps.catalyst.getNetworkHealth({}, { signal });
    return {
      health_score: n(h.latestHealthScore),
      monitored_devices: n(h.monitoredDevices),
      healthy_devices: n(h.monitoredHealthyDevices),
      unhealthy_devices: n(h.monitoredUnHealthyDevices),
      categories: (h.healthDistirubution ?? []).map((c) => ({ category: c.category, health_score: n(c.healthScore), total: n(c.totalCount), good: n(c.goodCount), fair: n(c.fairCount), poor: n(c.badCount) })),
    };
  },
  render: (o) =>
    [`Network health ${o.health_score ?? '?'}% (${o.healthy_devices ?? '?'} of ${o.monitored_devices ?? '?'} devices healthy)`, ...o.categories.map((c) => `- ${c.category}: ${c.health_score ?? '?'}% (${c.poor ?? 0} poor, ${c.fair ?? 0} fair of ${c.total ?? 0})`)].join('\n'),
});
