import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';

/** An issue in a list. */
export const IssueSummary = z.object({
  issue_id: z.string(),
  name: z.string(),
  priority: z.string().nullable().describe('P1 (most urgent) to P4'),
  status: z.string().nullable().describe('ACTIVE, IGNORED or RESOLVED'),
  category: z.string().nullable(),
  device_id: z.string().nullable(),
  device_role: z.string().nullable(),
  site_id: z.string().nullable(),
  occurrences: z.number().nullable(),
  last_occurrence: z.string().nullable().describe('ISO 8601'),
});

export const listIssues = defineTool<AnalysisDeps>()({
  name: 'list_issues',
  title: 'List Assurance issues',
  description:
    'Lists the issues Catalyst Center Assurance detected (link flaps, interface errors, unreachable devices…), most urgent first. Defaults to ACTIVE issues. ' +
    'Use get_issue with an issue_id for its description and the suggested actions.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    status: z.enum(['ACTIVE', 'IGNORED', 'RESOLVED']).default('ACTIVE').describe('Issue status'),
    priority: z.enum(['P1', 'P2', 'P3', 'P4']).optional().describe('Only this priority'),
    site_id: z.uuid().optional().describe('Only issues at this site'),
    device_id: z.uuid().optional().describe('Only issues of this device'),
  }),
  output: z.object({ issues: z.array(IssueSummary) }),
  handler: async (args, { deps, signal }) => {
    const issues = await deps.catalyst.listIssues(
      { issueStatus: args.status, ...(args.priority ? { priority: args.priority } : {}), ...(args.site_id ? { siteId: args.site_id } : {}), ...(args.device_id ? { deviceId: args.device_id } : {}) },
      { signal },
    );
    const rank = (p: string | null | undefined) => (p && /^P[1-4]$/.test(p) ? Number(p.slice(1)) : 9);
    return {
      issues: [...issues]
        .sort((a, b) => rank(a.priority) - rank(b.priority) || (b.last_occurence_time ?? 0) - (a.last_occurence_time ?? 0))
        .map((i) => ({
          issue_id: i.issueId,
          name: i.name ?? '',
          priority: i.priority ?? null,
          status: i.status ?? null,
          category: i.category ?? null,
          device_id: i.deviceId ?? null,
          device_role: i.deviceRole ?? null,
          site_id: i.siteId ?? null,
          occurrences: i.issue_occurence_count ?? null,
          last_occurrence: typeof i.last_occurence_time === 'number' ? new Date(i.last_occurence_time).toISOString() : null,
        })),
    };
  },
  render: (o) => (o.issues.length === 0 ? 'No issues match.' : o.issues.map((i) => `- [${i.priority ?? '?'}] ${i.name} (${i.status ?? '?'}) id=${i.issue_id}`).join('\n')),
});
