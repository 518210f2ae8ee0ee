/**
 * Typed client for the Cisco Catalyst Center (DNA Center) Intent API.
 *
 * @example
 * ```ts
 * import { createCatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';
 * ```
 */
export {
  createCatalystCenterClient,
  deploymentIdFromTask,
  type CallOptions,
  type CatalystCenterClient,
  type CatalystCenterClientOptions,
  type CatalystCenterCredentials,
  type WaitForTaskOptions,
} from './client.ts';
export {
  DeploymentStatusSchema,
  NetworkDeviceSchema,
  SiteSchema,
  TaskRefSchema,
  TaskSchema,
  TemplateParamSchema,
  TemplateSchema,
  TemplateSummarySchema,
  type DeployTarget,
  type DeployTargetType,
  type DeployTemplateRequest,
  type DeploymentStatus,
  type ListDevicesQuery,
  type ListSitesQuery,
  type ListTemplatesQuery,
  type NetworkDevice,
  type NetworkDeviceRole,
  type Site,
  type Task,
  type TaskRef,
  type Template,
  type TemplateParam,
  type TemplateSummary,
} from './types.ts';
