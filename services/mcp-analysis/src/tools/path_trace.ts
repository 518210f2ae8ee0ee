import type { PathTrace } from '@mcp-platform/connectors/catalyst-center';
import type { ToolContext } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';

/** A path trace as tools return it. */
export const PathTraceOutput = z.object({
  flow_analysis_id: z.string().describe('Pass to get_path_trace while IN_PROGRESS'),
  status: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED']),
  source_ip: z.string().nullable(),
  dest_ip: z.string().nullable(),
  failure_reason: z.string().nullable(),
  hops: z.array(
    z.object({
      device_id: z.string().nullable(),
      hostname: z.string().nullable(),
      ip: z.string().nullable(),
      role: z.string().nullable(),
      ingress_interface: z.string().nullable(),
      egress_interface: z.string().nullable(),
      link_source: z.string().nullable().describe('How the hop was learned, e.g. OSPF, Switched'),
    }),
  ),
});
export type PathTraceOutput = z.infer<typeof PathTraceOutput>;

/** Catalyst Center's flow analysis → the tools' shape. */
export function toPathTraceOutput(trace: PathTrace): PathTraceOutput {
  const status = trace.request.status.toUpperCase();
  return {
    flow_analysis_id: trace.request.id,
    status: status === 'COMPLETED' ? 'COMPLETED' : status === 'FAILED' ? 'FAILED' : 'IN_PROGRESS',
    source_ip: trace.request.sourceIP ?? null,
    dest_ip: trace.request.destIP ?? null,
    failure_reason: trace.request.failureReason ?? null,
    hops: trace.networkElementsInfo.map((e) => ({
      device_id: e.id ?? null,
      hostname: e.name ?? null,
      ip: e.ip ?? null,
      role: e.role ?? null,
      ingress_interface: e.ingressInterface?.physicalInterface?.name ?? null,
      egress_interface: e.egressInterface?.physicalInterface?.name ?? null,
      link_source: e.linkInformationSource ?? null,
    })),
  };
}

/** Polls a flow analysis until it leaves INPROGRESS or `waitMs` (bounded by the call's deadline) passes. */
export async function pollPathTrace(id: string, { deps, signal, deadline }: ToolContext<AnalysisDeps>, waitMs: number): Promise<PathTraceOutput> {
  const until = Math.min(Date.now() + waitMs, deadline - 2_000);
  for (;;) {
    const out = toPathTraceOutput(await deps.catalyst.getPathTrace(id, { signal }));
    if (out.status !== 'IN_PROGRESS' || Date.now() + deps.limits.pathTracePollIntervalMs > until) return out;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, deps.limits.pathTracePollIntervalMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export const renderPathTrace = (o: PathTraceOutput): string =>
  o.status === 'FAILED'
    ? `Path trace ${o.source_ip} → ${o.dest_ip} failed: ${o.failure_reason ?? 'no reason given'}`
    : o.status === 'IN_PROGRESS'
      ? `Path trace ${o.flow_analysis_id} is still running; call get_path_trace with this id.`
      : [`Path ${o.source_ip} → ${o.dest_ip} (${o.hops.length} hops):`, ...o.hops.map((h, i) => `${i + 1}. ${h.hostname ?? h.ip ?? '?'} (${h.role ?? '?'}) in ${h.ingress_interface ?? '-'} out ${h.egress_interface ?? '-'}`)].join('\n');
