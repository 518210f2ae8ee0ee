import type { NetworkDevice, Site as ApiSite, Task, TemplateParam as ApiTemplateParam } from '@mcp-platform/connectors/catalyst-center';
import { z } from 'zod';

const str = (v: string | null | undefined): string => v ?? '';

/** A network device as the tools return it (Catalyst Center field names). */
export const Device = z.object({
  id: z.string().describe('Device UUID in Catalyst Center'),
  hostname: z.string(),
  managementIpAddress: z.string(),
  platformId: z.string().describe('Hardware platform, e.g. C9300-48U'),
  family: z.string(),
  role: z.string().describe('ACCESS, DISTRIBUTION, CORE or BORDER ROUTER'),
  softwareVersion: z.string(),
  serialNumber: z.string(),
  reachabilityStatus: z.string().describe('Reachable or Unreachable'),
  upTime: z.string(),
  lastUpdated: z.string(),
});
export type Device = z.infer<typeof Device>;

export function toDevice(d: NetworkDevice): Device {
  return {
    id: d.id,
    hostname: str(d.hostname),
    managementIpAddress: str(d.managementIpAddress),
    platformId: str(d.platformId),
    family: str(d.family),
    role: str(d.role),
    softwareVersion: str(d.softwareVersion),
    serialNumber: str(d.serialNumber),
    reachabilityStatus: str(d.reachabilityStatus),
    upTime: str(d.upTime),
    lastUpdated: str(d.lastUpdated),
  };
}

/** A site of the hierarchy. */
export const Site = z.object({
  id: z.string(),
  name: z.string(),
  siteNameHierarchy: z.string().describe('e.g. Global/US/San Jose/SJC-01'),
  parentId: z.string(),
});

export function toSite(s: ApiSite): z.infer<typeof Site> {
  return { id: s.id, name: s.name, siteNameHierarchy: s.siteNameHierarchy, parentId: str(s.parentId) };
}

/** A template variable supplied at deploy time. */
export const TemplateParam = z.object({
  parameterName: z.string(),
  dataType: z.string(),
  required: z.boolean(),
  defaultValue: z.string().nullable(),
  description: z.string(),
  choices: z.array(z.string()).describe('When not empty, the value must be one of these'),
  range: z
    .array(z.object({ min: z.number().nullable(), max: z.number().nullable() }))
    .describe('INTEGER: allowed value intervals; STRING: allowed length intervals; empty = unconstrained'),
});

export function toTemplateParam(p: ApiTemplateParam): z.infer<typeof TemplateParam> {
  return {
    parameterName: p.parameterName,
    dataType: str(p.dataType),
    required: p.required ?? false,
    defaultValue: p.defaultValue ?? null,
    description: str(p.description),
    choices: Object.values(p.selection?.selectionValues ?? {}),
    range: (p.range ?? []).map((r) => ({ min: r.minValue ?? null, max: r.maxValue ?? null })),
  };
}

/** The state of a template deployment task. */
export const DeploymentStatus = z.object({
  taskId: z.string(),
  status: z.enum(['PENDING', 'SUCCESS', 'FAILURE']).describe('PENDING while Catalyst Center is still deploying'),
  progress: z.string(),
  failureReason: z.string().nullable(),
  deploymentId: z.string().nullable(),
  startTime: z.string().nullable().describe('ISO 8601'),
  endTime: z.string().nullable().describe('ISO 8601; null while PENDING'),
  devices: z
    .array(z.object({ deviceId: z.string(), name: z.string(), status: z.string(), detail: z.string() }))
    .describe('Per-device results, once Catalyst Center reports them'),
});

export function taskStatus(task: Task): 'PENDING' | 'SUCCESS' | 'FAILURE' {
  if (task.isError) return 'FAILURE';
  return task.endTime ? 'SUCCESS' : 'PENDING';
}

export const isoTime = (ms: number | null | undefined): string | null => (typeof ms === 'number' ? new Date(ms).toISOString() : null);
