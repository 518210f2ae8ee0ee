import { httpUrl, positiveInt } from '@mcp-platform/mcp-common/config';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import type { UpstreamPolicyOptions } from '@mcp-platform/mcp-common/resilience';
import { withUpstreamCredentials, type SecretProvider } from '@mcp-platform/mcp-common/secrets';
import { z } from 'zod';
import { serviceNowSecret } from '../secrets.ts';
import { createServiceNowClient, type ServiceNowClient } from './client.ts';

/**
 * The ServiceNow variables of every service that calls it — spread them into the service's one
 * zod schema (`src/config.ts`).
 *
 * @example
 * ```ts
 * export const configSchema = z.object({ ...serverEnv(port), ...serviceNowEnv });
 * ```
 */
export const serviceNowEnv = {
  /** ServiceNow instance URL (the local simulator by default), e.g. `https://acme.service-now.com`. */
  SERVICENOW_INSTANCE_URL: httpUrl().default('http://127.0.0.1:9402'),
  /** Timeout of one ServiceNow request, in ms; default 10000. */
  SERVICENOW_TIMEOUT_MS: positiveInt(10_000),
  /**
   * Secret name (Vault path `mcp/<name>`) holding either `username` and `password` (Basic)
   * or `client_id` and `client_secret` (OAuth client credentials).
   */
  SERVICENOW_SECRET_NAME: z.string().default('servicenow'),
};

/** The parsed {@link serviceNowEnv}. */
export interface ServiceNowConfig {
  SERVICENOW_INSTANCE_URL: string;
  SERVICENOW_TIMEOUT_MS: number;
  SERVICENOW_SECRET_NAME: string;
}

/** What {@link serviceNowFromConfig} wires the client to. */
export interface ServiceNowWiring {
  /** The spine's secret provider: the client's credentials are `SERVICENOW_SECRET_NAME` in it. */
  secrets: SecretProvider;
  logger: Logger;
  /** Upstream metrics (`metrics.upstream`); default none. */
  observer?: UpstreamPolicyOptions['observer'];
  /** The read cache of degraded mode (`readCache('servicenow')`); default none (the worker: no stale reads). */
  readCache?: UpstreamPolicyOptions['readCache'];
}

/**
 * The one way a service builds its ServiceNow client from configuration: credentials read from
 * the secret provider through `withUpstreamCredentials` (Basic or OAuth client credentials, parsed,
 * cached, re-read once when ServiceNow rejects them), `SERVICENOW_TIMEOUT_MS` per request, the
 * service's upstream metrics and read cache. Used by mcp-itsm and the deploy worker.
 *
 * @example
 * ```ts
 * const servicenow = serviceNowFromConfig(config, { secrets, logger, observer: metrics.upstream, readCache: readCache('servicenow') });
 * ```
 */
export function serviceNowFromConfig(config: ServiceNowConfig, wiring: ServiceNowWiring): ServiceNowClient {
  const { secrets, logger, observer, readCache } = wiring;
  return withUpstreamCredentials({ secrets, name: config.SERVICENOW_SECRET_NAME, schema: serviceNowSecret }, (credentials) =>
    createServiceNowClient({
      instanceUrl: config.SERVICENOW_INSTANCE_URL,
      credentials,
      policy: { timeoutMs: config.SERVICENOW_TIMEOUT_MS, ...(observer ? { observer } : {}), ...(readCache ? { readCache } : {}) },
      logger,
    }),
  );
}
