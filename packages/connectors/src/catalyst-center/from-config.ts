import { httpUrl, positiveInt } from '@mcp-platform/mcp-common/config';
import type { Logger } from '@mcp-platform/mcp-common/logging';
import type { UpstreamPolicyOptions } from '@mcp-platform/mcp-common/resilience';
import { withUpstreamCredentials, type SecretProvider } from '@mcp-platform/mcp-common/secrets';
import { z } from 'zod';
import { usernamePasswordSecret } from '../secrets.ts';
import type { CatalystAnalysisApi } from './analysis-methods.ts';
import { createCatalystCenterClient, type CatalystCenterClient } from './client.ts';

/**
 * The Catalyst Center variables of every service that calls it — spread them into the
 * service's one zod schema (`src/config.ts`).
 *
 * @example
 * ```ts
 * export const configSchema = z.object({ ...serverEnv(port), ...catalystCenterEnv });
 * ```
 */
export const catalystCenterEnv = {
  /** Catalyst Center base URL (the local simulator by default). */
  CATALYST_BASE_URL: httpUrl().default('http://127.0.0.1:9401'),
  /** Timeout of one Catalyst Center request, in ms; default 10000. */
  CATALYST_TIMEOUT_MS: positiveInt(10_000),
  /** Secret name (Vault path `mcp/<name>`) holding `username` and `password`. */
  CATALYST_SECRET_NAME: z.string().default('catalyst-center'),
};

/** The parsed {@link catalystCenterEnv}. */
export interface CatalystCenterConfig {
  CATALYST_BASE_URL: string;
  CATALYST_TIMEOUT_MS: number;
  CATALYST_SECRET_NAME: string;
}

/** What {@link catalystCenterFromConfig} wires the client to. */
export interface CatalystCenterWiring {
  /** The spine's secret provider: the client's credentials are `CATALYST_SECRET_NAME` in it. */
  secrets: SecretProvider;
  logger: Logger;
  /** Upstream metrics (`metrics.upstream`); default none. */
  observer?: UpstreamPolicyOptions['observer'];
  /** The read cache of degraded mode (`readCache('catalyst-center')`); default none (the worker: no stale reads). */
  readCache?: UpstreamPolicyOptions['readCache'];
}

/**
 * The one way a service builds its Catalyst Center client from configuration: credentials read
 * from the secret provider through `withUpstreamCredentials` (parsed, cached, re-read once when
 * Catalyst Center rejects them), `CATALYST_TIMEOUT_MS` per request, the service's upstream
 * metrics and read cache. Used by mcp-network, mcp-analysis and the deploy worker.
 *
 * @example
 * ```ts
 * const catalyst = catalystCenterFromConfig(config, { secrets, logger, observer: metrics.upstream, readCache: readCache('catalyst-center') });
 * const devices = await catalyst.listDevices({ limit: 10 });
 * ```
 */
export function catalystCenterFromConfig(config: CatalystCenterConfig, wiring: CatalystCenterWiring): CatalystCenterClient & CatalystAnalysisApi {
  const { secrets, logger, observer, readCache } = wiring;
  return withUpstreamCredentials({ secrets, name: config.CATALYST_SECRET_NAME, schema: usernamePasswordSecret }, (credentials) =>
    createCatalystCenterClient({
      baseUrl: config.CATALYST_BASE_URL,
      credentials,
      policy: { timeoutMs: config.CATALYST_TIMEOUT_MS, ...(observer ? { observer } : {}), ...(readCache ? { readCache } : {}) },
      logger,
    }),
  );
}
