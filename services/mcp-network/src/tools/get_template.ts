import { defineTool } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from '../deps.ts';
import { TemplateParam, toTemplateParam } from '../schemas.ts';

export const getTemplate = defineTool<NetworkDeps>()({
  name: 'get_template',
  title: 'Get a configuration template',
  description:
    'Returns one configuration template with its content and its variables (templateParams). Every required variable must be given in the params of deploy_template.',
  action: 'read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.object({ template_id: z.uuid().describe('Template id, as returned by list_templates') }),
  output: z.object({
    template: z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      projectName: z.string(),
      language: z.string(),
      softwareType: z.string(),
      templateContent: z.string(),
      templateParams: z.array(TemplateParam),
    }),
  }),
  handler: async (args, { deps, signal }) => {
    const t = await deps.catalyst.getTemplate(args.template_id, { signal });
    return {
      template: {
        id: t.id,
        name: t.name,
        description: t.description ?? '',
        projectName: t.projectName ?? '',
        language: t.language ?? '',
        softwareType: t.softwareType ?? '',
        templateContent: t.templateContent ?? '',
        templateParams: t.templateParams.map(toTemplateParam),
      },
    };
  },
  render: ({ template: t }) =>
    `${t.name} (${t.language}, ${t.softwareType})\nvariables: ${t.templateParams.map((p) => `${p.parameterName}${p.required ? '*' : ''}:${p.dataType}`).join(', ') || '(none)'}\n---\n${t.templateContent}`,
});
