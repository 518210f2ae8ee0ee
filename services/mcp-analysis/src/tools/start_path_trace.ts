import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';
import { PathTraceOutput, pollPathTrace, renderPathTrace } from './path_trace.ts';

export const startPathTrace = defineTool<AnalysisDeps>()({
  name: 'start_path_trace',
  title: 'Trace the path between two hosts',
  description:
    'Starts a Catalyst Center Path Trace (flow analysis) between two IP addresses and waits briefly for the result: the devices and interfaces the traffic crosses. ' +
    'If it is still running, the answer says IN_PROGRESS with a flow_analysis_id to pass to get_path_trace. Use it for "why can A not reach B" or "which links does this flow use".',
  action: 'execute',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: z.object({
    source_ip: z.ipv4().describe('Source host IPv4 address'),
    dest_ip: z.ipv4().describe('Destination host IPv4 address'),
    protocol: z.enum(['TCP', 'UDP']).optional().describe('Required with a port'),
    source_port: z.number().int().min(1).max(65535).optional(),
    dest_port: z.number().int().min(1).max(65535).optional(),
  }).refine((a) => a.protocol !== undefined || (a.source_port === undefined && a.dest_port === undefined), { message: 'protocol is required when a port is given', path: ['protocol'] }),
  output: PathTraceOutput,
  handler: async (args, ctx) => {
    const ref = await ctx.deps.catalyst.startPathTrace(
      {
        sourceIP: args.source_ip,
        destIP: args.dest_ip,
        ...(args.protocol ? { protocol: args.protocol } : {}),
        ...(args.source_port !== undefined ? { sourcePort: String(args.source_port) } : {}),
        ...(args.dest_port !== undefined ? { destPort: String(args.dest_port) } : {}),
        periodicRefresh: false,
      },
      { signal: ctx.signal },
    );
    ctx.logger.info('path trace started', { event: { action: 'path-trace' }, labels: { flow_analysis_id: ref.flowAnalysisId } });
    return pollPathTrace(ref.flowAnalysisId, ctx, ctx.deps.limits.pathTraceWaitMs);
  },
  render: renderPathTrace,
});
