export { createMcpApp, type McpApp, type McpAppBaseOptions, type McpAppOptions, type McpFactorySurface, type McpToolsSurface, type ReadinessCheck } from './app.ts';
export { DEFAULT_HTTP_LIMITS, listen, type HttpLimits, type ListenOptions, type RunningServer } from './listen.ts';
export { createServerFactory, type ServerFactoryOptions } from './mcp-server.ts';
export { ERROR_META_KEY, toToolFailure, type ToolFailure } from './errors-to-result.ts';
export { defineTool, type AnyToolDefinition, type ToolAnnotations, type ToolContext, type ToolDefinition, type TokenDelegation } from './tool.ts';
export {
  bootstrapServer,
  tokenVerifierFromConfig,
  type AuthConfig,
  exitOnSignals,
  type BootstrapOptions,
  type BootstrappedServer,
  type SpineServices,
} from './bootstrap.ts';
export { DEFAULT_IDEMPOTENCY_WINDOW_MS, idempotencyKeys, type IdempotencyKeys } from './idempotency.ts';
export { runServerMain } from './main.ts';
export { boundedCheck, mountOperationalRoutes, type ManagementAccess, type ReadinessReport } from './operational.ts';
export { securityHeaders, type SecurityHeadersOptions } from './security-headers.ts';
export { allowedHostnames, requireAllowedHost } from './host-check.ts';
export { TASKS_EXTENSION, attachTasks, declaresTasks, envelopeDeclaresTasks, type AttachTasksOptions, type TaskBackend, type TaskCaller, type TaskState, type TaskStatus } from './tasks.ts';
export { callSignal, type CallSignal } from './call-signal.ts';
export { FAST_PATH_LEGACY_VERSION, FAST_PATH_MODERN_VERSION, type FastCall, type FastPathEra, type FastPathHandlers, type FastRequest } from './fast-path.ts';
export { listToolsThroughSdk, type ToolListings } from './tool-catalog.ts';
