import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { AnalysisDeps } from '../deps.ts';

class IssueNotFoundError extends PlatformError<'ERR_UPSTREAM_NOT_FOUND'> {}

export const getIssue = defineTool<AnalysisDeps>()({
  name: 'get_issue',
  title: 'Explain an Assurance issue',
  description:
    'Explains one Assurance issue (from list_issues): what is wrong, where, how severe, and Catalyst Center\'s suggested actions, ' +
    'some with the show commands to run (run_show_command) to confirm the cause.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ issue_id: z.uuid().describe('Issue id from list_issues') }),
  output: z.object({
    issue_id: z.string(),
    name: z.string(),
    description: z.string(),
    summary: z.string().nullable(),
    category: z.string().nullable(),
    priority: z.string().nullable(),
    severity: z.string().nullable(),
    entity: z.string().nullable().describe('What the issue is about, e.g. network_device'),
    entity_value: z.string().nullable().describe('e.g. the device id'),
    last_occurrence: z.string().nullable(),
    suggested_actions: z.array(z.object({ message: z.string(), commands: z.array(z.string()).describe('show commands that help confirm the cause') })),
  }),
  handler: async (args, { deps, signal }) => {
    const issue = await deps.catalyst.getIssueEnrichment(args.issue_id, { signal });
    if (!issue) throw new IssueNotFoundError('ERR_UPSTREAM_NOT_FOUND', `issue_id: Catalyst Center has no issue ${args.issue_id}`);
    return {
      issue_id: issue.issueId,
      name: issue.issueName ?? '',
      description: issue.issueDescription ?? '',
      summary: issue.issueSummary ?? null,
      category: issue.issueCategory ?? null,
      priority: issue.issuePriority ?? null,
      severity: issue.issueSeverity ?? null,
      entity: issue.issueEntity ?? null,
      entity_value: issue.issueEntityValue ?? null,
      last_occurrence: typeof issue.issueTimestamp === 'number' ? new Date(issue.issueTimestamp).toISOString() : null,
      suggested_actions: issue.suggestedActions.map((a) => ({ message: a.message, commands: (a.steps ?? []).filter((s): s is string => typeof s === 'string') })),
    };
  },
  render: (o) =>
    [
      `[${o.priority ?? '?'}] ${o.name}`,
      o.description,
      'Suggested actions:',
      ...o.suggested_actions.map((a, i) => `${i + 1}. ${a.message}${a.commands.length > 0 ? ` (${a.commands.join('; ')})` : ''}`),
    ].join('\n'),
});
