import type { Logger } from '@mcp-platform/mcp-common/logging';
import type { UpstreamPolicyOptions } from '@mcp-platform/mcp-common/resilience';

/** Per-call options of every connector method. */
export interface CallOptions {
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
}

/**
 * What every upstream client is built with: lazily read credentials (so a rotated secret is
 * picked up), resilience settings and a logger. A rejected credential is an `ERR_UPSTREAM_AUTH`
 * error; re-reading it is the caller's job (the spine's `withUpstreamCredentials`).
 */
export interface UpstreamClientOptions<C> {
  /**
   * Called when a credential is needed. In the services this is the getter that the spine's
   * `withUpstreamCredentials` hands over: it reads the cached secret, and re-reads it once when
   * the upstream rejects it (`ERR_UPSTREAM_AUTH`).
   */
  credentials: () => Promise<C>;
  /** Resilience settings (`name` defaults to the upstream's id). */
  policy?: Partial<UpstreamPolicyOptions>;
  logger?: Logger;
}
