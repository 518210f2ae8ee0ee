export type { Authorizer, Decision, PolicyInput, StepUpDemand, ToolAction } from './types.ts';
export { AuthzDeniedError, AuthzUnavailableError, StepUpRequiredError, assertAllowed } from './errors.ts';
export { createOpaAuthorizer, type OpaAuthorizerOptions } from './opa.ts';
export { createWasmAuthorizer, type WasmAuthorizerOptions } from './wasm.ts';
export { withDecisionCache, type DecisionCacheOptions } from './cache.ts';
export { withAudit } from './audit.ts';
export { policyInputFor, type PolicyQuestion, type PolicySubject } from './input.ts';
export { createAuthorizerFromConfig, DEFAULT_WASM_PATH, type AuthorizerConfig } from './from-config.ts';
