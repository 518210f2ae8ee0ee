import { WORKERS } from '@mcp-platform/registry';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from './types.ts';

function registeredAudience(): string {
  const audience = WORKERS.find((w) => w.name === 'deploy-worker')?.credentialAudience;
  if (audience === undefined) throw new TypeError('@mcp-platform/registry gives deploy-worker no credentialAudience');
  return audience;
}

/**
 * The worker's resource identifier: the audience of the credentials it accepts (RFC 8707 `resource`),
 * `urn:mcp-platform:deploy-worker` — from `@mcp-platform/registry`, which the IdP seed and the realm read too.
 */
export const DEFAULT_WORKER_AUDIENCE = registeredAudience();

/** Temporal connection settings, shared by the worker, the CLI and mcp-network's deployment tools. */
export const temporalEnv = {
  /**
   * Audience of the identity credentials the worker accepts: the CLI logs in for it, mcp-network
   * exchanges the caller's token for it (RFC 8693), the worker verifies it. Default `urn:mcp-platform:deploy-worker`.
   */
  DEPLOY_WORKER_AUDIENCE: z.string().min(1).default(DEFAULT_WORKER_AUDIENCE),
  /** `host:port` of the Temporal frontend. Default the local dev server. */
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** Client certificate (PEM file) for mTLS; needs TEMPORAL_TLS_KEY_PATH. */
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  /** CA bundle (PEM file) to trust instead of the system roots. */
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  /** Server name to verify in the server's certificate (default: the address's host). */
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Use TLS without a client certificate (e.g. Temporal Cloud with an API key). */
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Temporal Cloud API key (implies TLS). */
  TEMPORAL_API_KEY: z.string().optional(),
};

/** Cross-field rules of {@link temporalEnv}. */
export function temporalRules(cfg: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if ((cfg['TEMPORAL_TLS_CERT_PATH'] === undefined) !== (cfg['TEMPORAL_TLS_KEY_PATH'] === undefined)) {
    ctx.addIssue({ code: 'custom', path: [cfg['TEMPORAL_TLS_CERT_PATH'] === undefined ? 'TEMPORAL_TLS_CERT_PATH' : 'TEMPORAL_TLS_KEY_PATH'], message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together' });
  }
}

/** The Temporal part of a parsed configuration (the worker's, the CLI's, mcp-network's). */
export type TemporalConfig = z.output<z.ZodObject<typeof temporalEnv>>;
