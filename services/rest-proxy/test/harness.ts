import { PassThrough } from 'node:stream';
import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { POLICY_DIR } from '@mcp-platform/policies';
import { freePort, recordBackendRequests, startAll, startMcpProcess, startOpa, type McpProcess, type RunningOpa } from '@mcp-platform/test-support';
import { startRestProxy, type RunningRestProxy } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

/** What reached an MCP server through the proxy's transport. */
export interface RecordedBackendRequest {
  url: string;
  authorization: string | undefined;
  /** The JSON-RPC method of a POSTed message (`tools/list`, `tools/call`…), when the body is one. */
  method: string | undefined;
}

/** Options of {@link startProxyHarness}. */
export interface ProxyHarnessOptions {
  /** Which MCP servers to run. Default both. */
  backends?: Array<'network' | 'itsm'>;
  /** Extra proxy environment. */
  env?: Record<string, string>;
  /** Extra environment of the MCP server processes (e.g. `OTEL_*`). */
  mcpEnv?: Record<string, string>;
}

/** The real stack: IdP, OPA, simulators, MCP servers as processes, and the proxy in-process. */
export interface ProxyHarness {
  idp: RunningIdentityProvider;
  opa: RunningOpa;
  catalyst: CatalystSimulator;
  servicenow: ServiceNowSimulator;
  mcp: Record<string, McpProcess>;
  proxy: RunningRestProxy;
  proxyUrl: string;
  /** The proxy's ECS lines. */
  logs: Record<string, unknown>[];
  /** Every request the proxy sent to an MCP server. */
  backendRequests: RecordedBackendRequest[];
  /** A token for the proxy (audience = proxy URL) for a seeded user. */
  token(user: string): Promise<string>;
  /** A client-credentials token of a machine client (e.g. `agent-x`) for the proxy. */
  clientToken(clientId: string, secret: string): Promise<string>;
  /** Starts another proxy on the same stack (another replica). */
  startReplica(env?: Record<string, string>): Promise<RunningRestProxy>;
  stop(): Promise<void>;
}

/**
 * Starts the dev IdP (the proxy and both MCP servers registered as resources),
 * real OPA with `policies/mcp`, the Catalyst Center and ServiceNow simulators,
 * mcp-network and mcp-itsm as processes, and the proxy (recording what it sends to them).
 */
export async function startProxyHarness(options: ProxyHarnessOptions = {}): Promise<ProxyHarness> {
  const wanted = options.backends ?? ['network', 'itsm'];
  const [proxyPort, networkPort, itsmPort] = [await freePort(), await freePort(), await freePort()];
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  // Each component goes on the stack as soon as it runs: a start-up failing halfway stops what already runs
  // (last first) before the error reaches the caller's beforeAll — no orphan `opa run` or MCP server. On
  // success the stack moves to the harness, whose stop() disposes it.
  await using started = new AsyncDisposableStack();
  const idp = started.adopt(await startIdentityProvider({
    port: 0,
    resourceServers: [
      ...SEED_RESOURCE_SERVERS,
      { url: proxyUrl, name: 'rest-proxy (test)', ownerClientId: 'rest-proxy' },
      { url: `http://127.0.0.1:${networkPort}/mcp`, name: 'mcp-network (test)' },
      { url: `http://127.0.0.1:${itsmPort}/mcp`, name: 'mcp-itsm (test)' },
    ],
  }), (i) => i.stop());
  const opa = started.adopt(await startOpa({ policyDir: POLICY_DIR }), (o) => o.stop());
  const catalyst = started.adopt(await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password', taskDurationMs: 150 }), (c) => c.stop());
  const servicenow = started.adopt(await startServiceNowSimulator({ port: 0, username: 'admin', password: 'dev-only-servicenow-password' }), (c) => c.stop());
  const common = { OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, AUTHZ_CACHE_TTL_MS: '0', ...options.mcpEnv };
  const mcp: Record<string, McpProcess> = {};
  if (wanted.includes('network')) mcp['network'] = startMcpProcess('mcp-network', networkPort, { ...common, CATALYST_BASE_URL: catalyst.url });
  if (wanted.includes('itsm')) mcp['itsm'] = startMcpProcess('mcp-itsm', itsmPort, { ...common, SERVICENOW_INSTANCE_URL: servicenow.url });
  // Stopped in parallel (each process's stop is a no-op when it never ran); startAll lets every start settle before it throws.
  started.defer(async () => void (await Promise.allSettled(Object.values(mcp).map((m) => m.stop()))));
  await startAll(Object.values(mcp).map((m) => m.start()));

  const backends = Object.fromEntries(Object.entries(mcp).map(([k, m]) => [k, m.url]));
  const backendRequests: RecordedBackendRequest[] = [];
  const recording = recordBackendRequests((r) => backendRequests.push({ url: r.url, authorization: r.headers['authorization'], method: jsonRpcMethod(r.body) }));
  const logs: Record<string, unknown>[] = [];
  const startProxy = async (port: number, env: Record<string, string>) => {
    const stream = new PassThrough();
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        logs.push(JSON.parse(pending.slice(0, i)) as Record<string, unknown>);
        pending = pending.slice(i + 1);
      }
    });
    const config = loadConfig({
      PORT: String(port),
      PUBLIC_URL: proxyUrl,
      OIDC_ISSUER: idp.issuer,
      OPA_URL: opa.url,
      PROXY_BACKENDS: JSON.stringify(backends),
      OIDC_JWKS_REFRESH_MIN_INTERVAL_MS: '200',
      LOG_LEVEL: 'info',
      ...options.env,
      ...env,
    });
    return startRestProxy(config, { logStream: stream, backendInterceptors: [recording] });
  };
  const proxy = started.adopt(await startProxy(proxyPort, {}), (p) => p.close());
  const replicas: RunningRestProxy[] = [];
  started.defer(async () => void (await Promise.allSettled(replicas.map((r) => r.close()))));
  const owned = started.move();

  return {
    idp,
    opa,
    catalyst,
    servicenow,
    mcp,
    proxy,
    proxyUrl,
    logs,
    backendRequests,
    token: (user) => idp.issueToken({ user, audience: proxyUrl, acr: 'mfa' }), // fully authenticated (step-up is tested on its own)
    async clientToken(clientId, secret) {
      const res = await fetch(`${idp.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: proxyUrl, scope: 'mcp:tools' }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string };
      if (!body.access_token) throw new Error(`client credentials failed: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async startReplica(env = {}) {
      // Same public URL (a load balancer's), another port.
      const replica = await startProxy(await freePort(), env);
      replicas.push(replica);
      return replica;
    },
    stop: () => owned.disposeAsync(),
  };
}

function jsonRpcMethod(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const message = JSON.parse(body) as { method?: unknown };
    return typeof message.method === 'string' ? message.method : undefined;
  } catch {
    return undefined;
  }
}

/** The payload of a JWT, unverified (tests only). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
