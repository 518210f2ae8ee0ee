export { MemoryLogger, type CapturedLine } from './memory-logger.ts';
export { startVaultDouble, kubernetesServiceAccountJwt, type VaultDouble, type VaultDoubleOptions, type VaultDoublePolicy, type VaultDoubleAppRole, type VaultDoubleKubernetesRole, type RecordedRequest } from './vault-double.ts';
export { findOpaBinary, freePort, startOpa, type RunningOpa, type StartOpaOptions } from './opa.ts';
export { POLICY_DIR, startSpineHarness, type ServerStartContext, type ServerUnderTest, type SpineHarness, type SpineHarnessOptions } from './spine-harness.ts';
export { startRedis, type RunningRedis } from './redis.ts';
