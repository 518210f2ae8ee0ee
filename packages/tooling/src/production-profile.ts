/**
 * `@mcp-platform/tooling/production` — docker-compose.yml's production shape as local processes, one
 * face for all of it: what `pnpm start --profile production` runs ({@link runProductionProfile}),
 * the shape it starts ({@link startProductionShape}, which the e2e production test starts too) and
 * how compose is read and localized (which the deploy checks hold against compose and Kubernetes).
 *
 * @example
 * ```ts
 * import { runProductionProfile } from '@mcp-platform/tooling/production';
 * await runProductionProfile(root, join(root, '.run', 'logs'));
 * ```
 * @module
 */
export { runProductionProfile } from './start-production.ts';
export { INFRASTRUCTURE, JOBS, NOT_RUN, runDevCa, startProductionShape, type ProductionService, type ProductionShapeOptions, type RunningProductionShape } from './production.ts';
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
} from './compose-local.ts';
