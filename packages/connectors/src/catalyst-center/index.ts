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
export { checkTemplateParams, type TemplateParamValue } from './template-params.ts';
export { fileIdFromTask, type CatalystAnalysisApi, type DownloadOptions } from './analysis-methods.ts';
export {
  ClientHealthSchema,
  CommandRunnerResultSchema,
  ConfigFileSchema,
  DeviceHealthSchema,
  IssueEnrichmentSchema,
  IssueSchema,
  NetworkHealthSchema,
  PathTraceRefSchema,
  PathTraceSchema,
  SiteHealthSchema,
  type ClientHealth,
  type CommandRunnerResult,
  type ConfigFile,
  type ConfigFilesQuery,
  type DeviceHealth,
  type DeviceHealthQuery,
  type Issue,
  type IssueEnrichment,
  type IssuesQuery,
  type NetworkHealth,
  type PathTrace,
  type PathTraceRef,
  type PathTraceRequest,
  type ReadOnlyCommandRequest,
  type SiteHealth,
  type SiteHealthQuery,
} from './analysis-types.ts';
export { catalystCenterEnv, catalystCenterFromConfig, type CatalystCenterConfig, type CatalystCenterWiring } from './from-config.ts';
