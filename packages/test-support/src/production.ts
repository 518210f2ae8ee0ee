// The production profile as local processes (compose's environment, localized): the orchestration
// lives in scripts/lib/production.ts and scripts/lib/compose-local.ts (repository scripts, shared with pnpm start).
export { INFRASTRUCTURE, JOBS, NOT_RUN, runDevCa, startProductionShape, type ProductionService, type ProductionShapeOptions, type RunningProductionShape } from '../../../scripts/lib/production.ts';
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
} from '../../../scripts/lib/compose-local.ts';
