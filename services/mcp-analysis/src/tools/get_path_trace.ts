import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';
import { PathTraceOutput, renderPathTrace, toPathTraceOutput } from './path_trace.ts';

export const getPathTrace = defineTool<AnalysisDeps>()({
  name: 'get_path_trace',
  title: 'Get a path trace result',
  description: 'Returns a Path Trace started with start_path_trace: IN_PROGRESS, COMPLETED with the hops (devices and interfaces), or FAILED with the reason.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ flow_analysis_id: z.uuid().describe('From start_path_trace') }),
  output: PathTraceOutput,
  handler: async (args, { deps, signal }) => toPathTraceOutput(await deps.catalyst.getPathTrace(args.flow_analysis_id, { signal })),
  render: renderPathTrace,
});
