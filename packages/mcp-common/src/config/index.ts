export { ConfigError, type ConfigIssue } from './errors.ts';
export { bool, httpUrl, list, parseConfig, port, positiveInt, type Env } from './parse.ts';
export { authEnv, authzEnv, httpEnv, limitsEnv, loggingEnv, managementEnv, profileEnv, redisEnv, resourceLockEnv, secretsEnv, serverEnv, upstreamCacheEnv, withCommonRules, type CommonServerConfig } from './common.ts';
