// The production profile as local processes (compose's environment, localized): the orchestration
// lives in packages/tooling/src/production.ts and packages/tooling/src/compose-local.ts (@mcp-platform/tooling, shared with pnpm start).
export { INFRASTRUCTURE, JOBS, NOT_RUN, runDevCa, startProductionShape, type ProductionService, type ProductionShapeOptions, type RunningProductionShape } from '@mcp-platform/tooling/production';
export {
  DROPPED,
  LOCALIZATION_RULES,
  composeEnvironment,
  listeningPorts,
  localEnvironment,
  localPath,
  nodeServices,
  readComposeFile,
  type ComposeFile,
  type Localization,
  type NodeServiceSpec,
} from '@mcp-platform/tooling/compose-local';
