export { MemoryLogger, type CapturedLine } from './memory-logger.ts';
export { OPENBAO_VERSION, findOpenBao, provisionAppRoles, startDevOpenBao, type DevOpenBao, type StartDevOpenBaoOptions } from './openbao.ts';
export { findOpaBinary, freePort, startOpa, type RunningOpa, type StartOpaOptions } from './opa.ts';
export { POLICY_DIR, startSpineHarness, type ServerStartContext, type ServerUnderTest, type SpineHarness, type SpineHarnessOptions } from './spine-harness.ts';
export { startRedis, type RunningRedis } from './redis.ts';
export { KUBERNETES_TEST_CA_PEM, startKubernetesTokenReview, type KubernetesTokenReview } from './kubernetes-token-review.ts';
export { startVaultRecorder, type SeenVaultRequest, type VaultRecorder } from './vault-recorder.ts';
export { probeAuthEdges, type AuthEdgeOptions, type AuthEdgeResponses } from './auth-edges.ts';
export { serviceProcess, type ServiceProcess } from './service-process.ts';
