import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';

export const listTemplates = defineTool<NetworkDeps>()({
  name: 'list_templates',
  title: 'List configuration templates',
  description:
    'Lists the configuration templates of Catalyst Center (id, name, project). Use get_template to see a template\'s content and the variables deploy_template needs.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({
    project_name: z.string().min(1).max(255).optional().describe('Only templates of this project, e.g. "Campus Day-N"'),
    product_family: z.string().min(1).max(64).optional().describe('Only templates applicable to this product family, e.g. "Switches and Hubs"'),
  }),
  output: z.object({
    templates: z.array(z.object({ id: z.string(), name: z.string(), projectName: z.string(), latestVersion: z.string().nullable() })),
  }),
  handler: async (args, { deps, signal }) => {
    const templates = await deps.catalyst.listTemplates(
      { ...(args.project_name ? { projectNames: args.project_name } : {}), ...(args.product_family ? { productFamily: args.product_family } : {}) },
      { signal },
    );
    return {
      templates: templates.map((t) => ({
        id: t.templateId,
        name: t.name,
        projectName: t.projectName ?? '',
        latestVersion: t.versionsInfo?.at(-1)?.version ?? null,
      })),
    };
  },
  render: (out) => [`${out.templates.length} template(s):`, ...out.templates.map((t) => `- ${t.name} [${t.projectName}] id=${t.id}`)].join('\n'),
});
