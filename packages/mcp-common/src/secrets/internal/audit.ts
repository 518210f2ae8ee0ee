import type { AuditLogger } from '../../logging/types.ts';
import type { PlatformError } from '../../errors/base.ts';

export type SecretSource = 'vault' | 'cache' | 'local';

/** What one secret read reports to metrics and traces (metadata only, never the value). */
export interface SecretReadEvent {
  name: string;
  source: SecretSource;
  /** The platform error code of a failed read. */
  errorCode?: string;
}

/** Receives every secret read (e.g. to count `mcp_secret_reads_total`). */
export type SecretReadObserver = (read: SecretReadEvent) => void;

/** Emits one `secret-read` audit event. Takes metadata only: there is no parameter a value could travel in. */
export function auditSecretRead(
  audit: AuditLogger,
  read: { name: string; source: SecretSource; version?: number | undefined; startedNs: bigint; error?: PlatformError | undefined },
  onRead?: SecretReadObserver,
): void {
  onRead?.({ name: read.name, source: read.source, ...(read.error ? { errorCode: read.error.code } : {}) });
  const secret: Record<string, unknown> = { name: read.name, source: read.source };
  if (read.version !== undefined) secret['version'] = read.version;
  audit.audit({
    action: 'secret-read',
    category: ['configuration'],
    type: ['access'],
    outcome: read.error ? 'failure' : 'success',
    durationNs: Number(process.hrtime.bigint() - read.startedNs),
    ...(read.error ? { reason: read.error.code } : {}),
    fields: { secret, ...(read.error ? { error: { code: read.error.code, type: read.error.name } } : {}) },
  });
}
