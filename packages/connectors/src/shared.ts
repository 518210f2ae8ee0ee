import type { Logger } from '@mcp-platform/mcp-common/logging';
import type { UpstreamPolicyOptions } from '@mcp-platform/mcp-common/resilience';

/** Per-call options of every connector method. */
export interface CallOptions {
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
}

/**
 * What every upstream client is built with: lazily read credentials (so a rotated secret is
 * picked up), a hook for when the upstream rejects them, resilience settings and a logger.
 */
export interface UpstreamClientOptions<C> {
  /** Called when a credential is needed (e.g. reads Vault `mcp/<upstream>` through the cached secret provider). */
  credentials: () => Promise<C>;
  /** Called when the upstream rejects the credentials, so the caller can re-read them. */
  onCredentialRejected?: () => void;
  /** Resilience settings (`name` defaults to the upstream's id). */
  policy?: Partial<UpstreamPolicyOptions>;
  logger?: Logger;
}
