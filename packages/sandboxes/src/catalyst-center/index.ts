/**
 * Cisco Catalyst Center (DNA Center) Intent API simulator with seeded inventory.
 *
 * @example
 * ```ts
 * import { startCatalystCenterSimulator, SEED_IDS } from '@mcp-platform/sandboxes/catalyst-center';
 * const sim = await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'pw' });
 * ```
 */
export {
  startCatalystCenterSimulator,
  type AnalysisSimState,
  type CatalystSimLogger,
  type CatalystSimulator,
  type CatalystSimulatorOptions,
  type CatalystSimulatorState,
  type DeploymentRequestRecord,
  type SimDeployment,
  type SimDeploymentDevice,
  type SimRequestRecord,
} from './simulator.ts';
export {
  SEED_IDS,
  defaultCatalystSeed,
  type CatalystSeed,
  type SimDevice,
  type SimSite,
  type SimTemplate,
  type SimTemplateParam,
} from './seed.ts';
export {
  ANALYSIS_SEED_IDS,
  SIM_DEVICE_SECRETS,
  analysisSeed,
  runningConfig,
  type AnalysisSeed,
  type SimConfigFile,
  type SimDeviceHealth,
  type SimInterfaceCounters,
  type SimIssue,
} from './analysis-seed.ts';
export type { CommandRequestRecord } from './command-runner-routes.ts';
