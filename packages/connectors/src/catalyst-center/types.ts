import { z } from 'zod';

/**
 * Shapes of the Catalyst Center (DNA Center) Intent API, validated with zod where it is cheap.
 * Objects are "loose": fields the platform does not use pass through untouched, so a newer
 * Catalyst Center release that adds fields does not break the client.
 */

const nullableString = z.string().nullish();

/** Device roles Catalyst Center assigns (`UNKNOWN` and future values pass through as strings). */
export type NetworkDeviceRole = 'ACCESS' | 'DISTRIBUTION' | 'CORE' | 'BORDER ROUTER' | 'UNKNOWN' | (string & {});

/**
 * One entry of `GET /dna/intent/api/v1/network-device`.
 *
 * @example
 * ```ts
 * const device = NetworkDeviceSchema.parse({ id: 'de00…', hostname: 'sjc01-core-01', role: 'CORE' });
 * ```
 */
export const NetworkDeviceSchema = z.looseObject({
  id: z.string(),
  hostname: nullableString,
  managementIpAddress: nullableString,
  platformId: nullableString,
  family: nullableString,
  series: nullableString,
  type: nullableString,
  role: nullableString,
  softwareType: nullableString,
  softwareVersion: nullableString,
  serialNumber: nullableString,
  macAddress: nullableString,
  reachabilityStatus: nullableString,
  reachabilityFailureReason: nullableString,
  collectionStatus: nullableString,
  upTime: nullableString,
  lastUpdated: nullableString,
  lastUpdateTime: z.number().nullish(),
});
/** A network device as Catalyst Center returns it. */
export type NetworkDevice = z.infer<typeof NetworkDeviceSchema>;

/**
 * One entry of `GET /dna/intent/api/v1/site`.
 *
 * @example
 * ```ts
 * const site = SiteSchema.parse(raw); site.siteNameHierarchy; // 'Global/US/San Jose/SJC-01'
 * ```
 */
export const SiteSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  parentId: nullableString,
  siteHierarchy: nullableString,
  siteNameHierarchy: z.string(),
  additionalInfo: z
    .array(z.looseObject({ nameSpace: z.string(), attributes: z.record(z.string(), z.unknown()) }))
    .nullish(),
});
/** A site (area, building or floor). */
export type Site = z.infer<typeof SiteSchema>;

/**
 * One entry of `GET /dna/intent/api/v1/template-programmer/template` (a bare array, no envelope).
 *
 * @example
 * ```ts
 * const summaries = z.array(TemplateSummarySchema).parse(body);
 * ```
 */
export const TemplateSummarySchema = z.looseObject({
  templateId: z.string(),
  name: z.string(),
  projectName: nullableString,
  projectId: nullableString,
  composite: z.boolean().nullish(),
  versionsInfo: z
    .array(z.looseObject({ id: nullableString, version: nullableString, versionTime: z.number().nullish(), description: nullableString }))
    .nullish(),
});
/** A template in the list view. */
export type TemplateSummary = z.infer<typeof TemplateSummarySchema>;

/**
 * A template variable (`templateParams[]`).
 *
 * @example
 * ```ts
 * template.templateParams.filter((p) => p.required).map((p) => p.parameterName);
 * ```
 */
export const TemplateParamSchema = z.looseObject({
  parameterName: z.string(),
  dataType: nullableString,
  required: z.boolean().nullish(),
  defaultValue: nullableString,
  description: nullableString,
  displayName: nullableString,
  /** INTEGER: allowed value intervals; STRING: allowed length intervals (Catalyst Center's `range`). */
  range: z.array(z.looseObject({ minValue: z.number().nullish(), maxValue: z.number().nullish() })).nullish(),
  /** A pick list: the value must be one of `selectionValues`' values. */
  selection: z
    .looseObject({ selectionType: nullableString, selectionValues: z.record(z.string(), z.string()).nullish() })
    .nullish(),
});
/** A template variable. */
export type TemplateParam = z.infer<typeof TemplateParamSchema>;

/**
 * `GET /dna/intent/api/v1/template-programmer/template/{templateId}` (bare object).
 *
 * @example
 * ```ts
 * const template = TemplateSchema.parse(body);
 * ```
 */
export const TemplateSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: nullableString,
  projectId: nullableString,
  projectName: nullableString,
  language: nullableString,
  softwareType: nullableString,
  deviceTypes: z.array(z.looseObject({ productFamily: nullableString })).nullish(),
  templateContent: nullableString,
  templateParams: z.array(TemplateParamSchema).nullish().transform((v) => v ?? []),
  version: z.union([z.string(), z.number()]).nullish(),
});
/** A template with its content and variables. */
export type Template = z.infer<typeof TemplateSchema>;

/**
 * `POST /dna/intent/api/v2/template-programmer/template/deploy` → `response`.
 *
 * @example
 * ```ts
 * const { taskId } = TaskRefSchema.parse(body.response);
 * ```
 */
export const TaskRefSchema = z.looseObject({ taskId: z.string(), url: z.string() });
/** Reference to an asynchronous task. */
export type TaskRef = z.infer<typeof TaskRefSchema>;

/**
 * `GET /dna/intent/api/v1/task/{taskId}` → `response`. Finished when `endTime` is set or
 * `isError` is true.
 *
 * @example
 * ```ts
 * const task = TaskSchema.parse(body.response); if (task.isError) console.log(task.failureReason);
 * ```
 */
export const TaskSchema = z.looseObject({
  id: z.string(),
  isError: z.boolean().nullish().transform((v) => v ?? false),
  progress: nullableString,
  failureReason: nullableString,
  errorCode: nullableString,
  data: nullableString,
  serviceType: nullableString,
  startTime: z.number().nullish(),
  endTime: z.number().nullish(),
  lastUpdate: z.number().nullish(),
});
/** An asynchronous Catalyst Center task. */
export type Task = z.infer<typeof TaskSchema>;

/**
 * `GET /dna/intent/api/v1/template-programmer/template/deploy/status/{deploymentId}` (bare).
 * `status` is `INIT`, `IN_PROGRESS`, `SUCCESS` or `FAILURE`.
 *
 * @example
 * ```ts
 * const status = DeploymentStatusSchema.parse(body); status.devices?.filter((d) => d.status === 'FAILURE');
 * ```
 */
export const DeploymentStatusSchema = z.looseObject({
  deploymentId: z.string(),
  status: z.string(),
  statusMessage: nullableString,
  templateName: nullableString,
  templateVersion: nullableString,
  projectName: nullableString,
  startTime: nullableString,
  endTime: nullableString,
  duration: nullableString,
  devices: z
    .array(
      z.looseObject({
        deviceId: z.string(),
        name: nullableString,
        ipAddress: nullableString,
        status: z.string(),
        detailedStatusMessage: nullableString,
        targetType: nullableString,
        identifier: nullableString,
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});
/** Status of a template deployment, overall and per device. */
export type DeploymentStatus = z.infer<typeof DeploymentStatusSchema>;

/** How Catalyst Center should read a deploy target's `id`. */
export type DeployTargetType =
  | 'MANAGED_DEVICE_UUID'
  | 'MANAGED_DEVICE_IP'
  | 'MANAGED_DEVICE_HOSTNAME'
  | 'PRE_PROVISIONED_SERIAL'
  | 'PRE_PROVISIONED_MAC'
  | 'DEFAULT';

/** One target of a deployment. */
export interface DeployTarget {
  /** Device UUID, IP, hostname, serial… depending on `type`. */
  id?: string;
  /** Hostname (for `MANAGED_DEVICE_HOSTNAME`, instead of `id`). */
  hostName?: string;
  type: DeployTargetType;
  /** Template variables for this device (`$interface` → `{ interface: 'Gi1/0/1' }`). */
  params?: Record<string, string | number | boolean>;
  versionedTemplateId?: string;
}

/**
 * Input of `deployTemplate`.
 *
 * @example
 * ```ts
 * const req: DeployTemplateRequest = { templateId, targetInfo: [{ id: deviceId, type: 'MANAGED_DEVICE_UUID', params: { interface: 'Gi1/0/1', description: 'uplink' } }] };
 * ```
 */
export interface DeployTemplateRequest {
  templateId: string;
  targetInfo: DeployTarget[];
  /** Push even when the same template with the same params was deployed before. Default false. */
  forcePushTemplate?: boolean;
}

/**
 * Filters and paging of `listDevices` (arrays match any of the values; `.*` patterns allowed).
 *
 * @example
 * ```ts
 * await catalyst.listDevices({ role: ['CORE', 'DISTRIBUTION'], hostname: 'sjc01-.*', offset: 1, limit: 100 });
 * ```
 */
export interface ListDevicesQuery {
  hostname?: string | string[];
  managementIpAddress?: string | string[];
  family?: string | string[];
  role?: NetworkDeviceRole | NetworkDeviceRole[];
  platformId?: string | string[];
  reachabilityStatus?: 'Reachable' | 'Unreachable' | (string & {}) | string[];
  serialNumber?: string | string[];
  softwareVersion?: string | string[];
  id?: string | string[];
  /** 1-based index of the first record. Default 1. */
  offset?: number;
  /** Records per page, 1–500. Default 500 (Catalyst Center's maximum). */
  limit?: number;
}

/** Filters of `listSites`. */
export interface ListSitesQuery {
  /** Site name hierarchy, e.g. `Global/US/San Jose/SJC-01`. */
  name?: string;
  siteId?: string;
  type?: 'area' | 'building' | 'floor';
  offset?: number;
  limit?: number;
}

/** Filters of `listTemplates`. */
export interface ListTemplatesQuery {
  projectId?: string;
  projectNames?: string | string[];
  productFamily?: string;
  softwareType?: string;
}

/** Catalyst Center's error body: `{"response":{"errorCode","message","detail"},"version"}`. */
export const CatalystErrorBodySchema = z.object({
  response: z.looseObject({ errorCode: nullableString, message: nullableString, detail: nullableString }),
});
