export {
  startIdentityProvider,
  type IdentityProviderOptions,
  type IdpLogger,
  type IssueTokenOptions,
  type RunningIdentityProvider,
} from './identity-provider.ts';
export { DEV_OTP_POLICY, devOtp, verifyDevOtp } from './otp.ts';
export {
  ACR_LEVELS,
  DEV_PASSWORD_GRANT,
  GROUPS,
  RESOURCE_SCOPES,
  SEED_CLIENTS,
  SEED_RESOURCE_SERVERS,
  SEED_USERS,
  TOKEN_EXCHANGE_GRANT,
  type AcrValue,
  type GroupName,
  type SeedClient,
  type SeedResourceServer,
  type SeedUser,
} from './seed.ts';
