// The workflow bundle's entry: every workflow the worker registers (their Updates, Queries and
// Signals are defined in @mcp-platform/deployment-contract, which clients import).
export { templateDeploymentWorkflow, VERIFIED_IDENTITIES_PATCH } from './template-deployment.ts';
export { credentialUseWorkflow } from './credential-use.ts';
