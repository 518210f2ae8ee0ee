import { checkTemplateParams, type TemplateParamValue } from '@mcp-platform/connectors/catalyst-center';
import { PlatformError } from '@mcp-platform/mcp-common/errors';
import type { ToolContext } from '@mcp-platform/mcp-common/server';
import { z } from 'zod';
import type { NetworkDeps } from './deps.ts';

/** Target devices of a deployment: 1–500 distinct UUIDs (the rule is published as `uniqueItems`). */
export const deviceIdsInput = (description: string) =>
  z
    .array(z.uuid())
    .min(1)
    .max(500)
    .refine((ids) => new Set(ids).size === ids.length, 'device_ids must not repeat')
    .meta({ uniqueItems: true }) // publish the rule in the JSON Schema too (clients, the REST proxy's OpenAPI)
    .describe(description);

/** Values of template variables: names are identifiers, values short scalars. */
export const templateParamsInput = (description: string) =>
  z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), z.union([z.string().max(1024), z.number(), z.boolean()]))
    .default({})
    .describe(description);

/**
 * Policy information for a deployment (CORE deploys need admin): each target's role and
 * hostname, read from Catalyst Center in one call. Refuses more targets than the server allows
 * and ids Catalyst Center does not know, before anything is decided or deployed.
 */
export async function resolveTargetDevices(deviceIds: string[], { deps, signal }: ToolContext<NetworkDeps>): Promise<{ devices: { id: string; role: string; hostname: string }[] }> {
  if (deviceIds.length > deps.maxDevicesPerDeploy) {
    throw new PlatformError('ERR_VALIDATION', `device_ids: at most ${deps.maxDevicesPerDeploy} devices per deployment (got ${deviceIds.length})`);
  }
  const found = await deps.catalyst.listDevices({ id: deviceIds, limit: deviceIds.length }, { signal });
  const known = new Set(found.map((d) => d.id));
  const missing = deviceIds.filter((id) => !known.has(id));
  if (missing.length > 0) throw new PlatformError('ERR_VALIDATION', `device_ids: unknown device(s): ${missing.join(', ')}`);
  return { devices: found.map((d) => ({ id: d.id, role: d.role ?? 'UNKNOWN', hostname: d.hostname ?? d.id })) };
}

/** Per-device lock keys of a deployment (device UUIDs are stable identities). */
export function deviceLockKeys(deviceIds: string[]): string[] {
  return deviceIds.map((id) => `device:${id.toLowerCase()}`);
}

/**
 * Reads a template and checks deploy-time values against its declared variables (types, ranges,
 * pick lists, no control characters: `checkTemplateParams`). Throws `ERR_VALIDATION` naming every
 * offending `<field>.<variable>`; runs before anything is deployed or started.
 */
export async function assertTemplateParams(
  templateId: string,
  params: Record<string, TemplateParamValue>,
  { deps, signal }: Pick<ToolContext<NetworkDeps>, 'deps' | 'signal'>,
  field = 'params',
): Promise<{ name: string }> {
  const template = await deps.catalyst.getTemplate(templateId, { signal });
  const problems = checkTemplateParams(template, params, field);
  if (problems.length > 0) throw new PlatformError('ERR_VALIDATION', problems.join('; '));
  return { name: template.name };
}
