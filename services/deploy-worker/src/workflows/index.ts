// The workflow bundle's entry: every workflow the worker registers.
export {
  templateDeploymentWorkflow,
  progressQuery,
  approveUpdate,
  rejectUpdate,
  cancelUpdate,
  approveSignal,
  rejectSignal,
  cancelSignal,
  VERIFIED_IDENTITIES_PATCH,
} from './template-deployment.ts';
export { credentialUseWorkflow } from './credential-use.ts';
