import { temporalTls, type TemporalConfig } from '@mcp-platform/deployment-contract';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';

/**
 * The worker's native connection (Rust core) to the configured cluster.
 *
 * @example
 * ```ts
 * const connection = await connectWorker(config);
 * ```
 */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  const tls = await temporalTls(config);
  const options: NativeConnectionOptions = { address: config.TEMPORAL_ADDRESS, ...(tls ? { tls } : {}), ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}) };
  return NativeConnection.connect(options);
}
