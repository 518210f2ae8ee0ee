// The workflow bundle's entry: every workflow the worker registers.
export { templateDeploymentWorkflow, progressQuery, approveSignal, rejectSignal, cancelSignal } from './template-deployment.ts';
