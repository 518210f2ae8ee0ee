export { createTokenVerifier, authFailureReason, type IdentityProviderReadiness, type IntrospectionOptions, type TokenVerifier, type TokenVerifierOptions } from './token-verifier.ts';
export { createAuthRouter, parseStepUpChallenge, stepUpChallenge, type AuthRejection, type AuthRouter, type AuthRouterOptions, type ProtectedResourceMetadata } from './auth-router.ts';
export { authenticationFromClaims, principalFromAuthInfo, type Authentication, type Principal } from './principal.ts';
export {
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  TokenError,
  TokenExchangeError,
  type AuthError,
  type AuthFailureReason,
  type TokenErrorCode,
} from './errors.ts';
export { tokenFingerprint } from './token-fingerprint.ts';
export { backendScopeFor, createTokenExchanger, type TokenExchanger, type TokenExchangerOptions } from './token-exchange.ts';
