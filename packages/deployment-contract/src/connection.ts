import { readFile } from 'node:fs/promises';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import type { TemporalConfig } from './config.ts';

type TlsOptions = NonNullable<Exclude<ConnectionOptions['tls'], boolean>>;

/** TLS settings from the configuration (the worker's native connection uses them too): mTLS (cert + key), custom CA, or plain TLS (API key); `undefined` = plaintext. */
export async function temporalTls(config: TemporalConfig): Promise<TlsOptions | undefined> {
  const mtls = config.TEMPORAL_TLS_CERT_PATH !== undefined && config.TEMPORAL_TLS_KEY_PATH !== undefined;
  if (!mtls && !config.TEMPORAL_TLS && config.TEMPORAL_TLS_CA_PATH === undefined && config.TEMPORAL_API_KEY === undefined) return undefined;
  const tls: TlsOptions = {};
  if (mtls) tls.clientCertPair = { crt: await readFile(config.TEMPORAL_TLS_CERT_PATH!), key: await readFile(config.TEMPORAL_TLS_KEY_PATH!) };
  if (config.TEMPORAL_TLS_CA_PATH !== undefined) tls.serverRootCACertificate = await readFile(config.TEMPORAL_TLS_CA_PATH);
  if (config.TEMPORAL_TLS_SERVER_NAME !== undefined) tls.serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
  return tls;
}

/**
 * A workflow client for the configured cluster and namespace (CLI, MCP tools); `lazy` connects on first use.
 *
 * @example
 * ```ts
 * const client = await connectClient(config);
 * const handle = client.workflow.getHandle(workflowId);
 * ```
 */
export async function connectClient(config: TemporalConfig, options: { lazy?: boolean } = {}): Promise<Client> {
  const tls = await temporalTls(config);
  // lazy: connect on first use, so that a server embedding the client starts while Temporal is down.
  const connection = await (options.lazy ? Connection.lazy.bind(Connection) : Connection.connect.bind(Connection))({ address: config.TEMPORAL_ADDRESS, ...(tls ? { tls } : {}), ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}) });
  // The caller's trace context travels in the workflow's headers (StartWorkflow/StartWorkflowUpdate spans): workflow-telemetry.ts.
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
}
