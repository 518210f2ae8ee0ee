import { PassThrough } from 'node:stream';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { ERROR_META_KEY } from '@mcp-platform/mcp-common/server';
import { startCatalystCenterSimulator, type CatalystSimulator } from '@mcp-platform/sandboxes/catalyst-center';
import { startGitHubSimulator, type GitHubSimulator } from '@mcp-platform/sandboxes/github';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { startServiceNowSimulator, type ServiceNowSimulator } from '@mcp-platform/sandboxes/servicenow';
import { POLICY_DIR } from '@mcp-platform/policies';
import { freePort, recordBackendRequests, startAll, startMcpProcess, startOpa, type McpProcess, type RunningOpa } from '@mcp-platform/test-support';
import { startGateway, type RunningGateway } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

/** What reached a backend through the gateway's transport. */
export interface RecordedBackendRequest {
  url: string;
  authorization: string | undefined;
  traceparent: string | undefined;
}

/** The real stack: IdP, OPA, three simulators, the four MCP servers as processes, the gateway in-process. */
export interface GatewayHarness {
  idp: RunningIdentityProvider;
  opa: RunningOpa;
  catalyst: CatalystSimulator;
  servicenow: ServiceNowSimulator;
  github: GitHubSimulator;
  backends: Record<'network' | 'itsm' | 'github' | 'analysis', McpProcess>;
  gateway: RunningGateway;
  /** Where the gateway listens (its MCP endpoint). */
  gatewayUrl: string;
  /** The gateway's public URL = resource identifier, the `aud` of its tokens (a load balancer's, in production). */
  gatewayAudience: string;
  /** The gateway's ECS lines. */
  logs: Record<string, unknown>[];
  backendRequests: RecordedBackendRequest[];
  /**
   * With `options.sdkTwin`: a second gateway, same configuration and backends, that serves every
   * request through the SDK (`fastPath: false`) — the other side of the fast path's differential test.
   */
  twin?: GatewayInstance;
  /** A token for the gateway (audience = gateway URL) for a seeded user. */
  token(user: string, audience?: string, options?: { acr?: 'pwd' | 'mfa' }): Promise<string>;
  /** An SDK client for `url` (default the gateway) with `token`, on one protocol version. */
  connect(token: string, options?: { url?: string; version?: '2026-07-28' | '2025-11-25'; headers?: Record<string, string>; listChanged?: () => void }): Promise<Client>;
  stop(): Promise<void>;
}

/** One gateway process-in-process of the harness, with what it logged and sent to the backends. */
export interface GatewayInstance {
  gateway: RunningGateway;
  url: string;
  logs: Record<string, unknown>[];
  backendRequests: RecordedBackendRequest[];
}

/**
 * Starts everything the gateway federates, on ephemeral ports, with real OPA
 * and the dev IdP (gateway and backends registered as resources), and the gateway
 * itself (recording every request it sends to a backend). `networkEnv` is added to mcp-network's
 * environment (e.g. `TEMPORAL_ADDRESS` for the deployment workflow tools); `backendEnv` to every
 * backend's (e.g. the `OTEL_*` variables of a trace test).
 */
export async function startGatewayHarness(
  env: Record<string, string> = {},
  options: { networkEnv?: Record<string, string>; backendEnv?: Record<string, string>; sdkTwin?: boolean } = {},
): Promise<GatewayHarness> {
  // What needs no fixed port first; then the ports are picked and used at once (a short window for
  // another process on this busy machine to take one of them between picking and binding).
  // Each component goes on the stack as soon as it runs: a start-up failing halfway stops what already runs
  // (last first) before the error reaches the caller's beforeAll. On success the stack moves to stop().
  await using started = new AsyncDisposableStack();
  const opa = started.adopt(await startOpa({ policyDir: POLICY_DIR }), (o) => o.stop());
  const catalyst = started.adopt(await startCatalystCenterSimulator({ port: 0, username: 'admin', password: 'dev-only-catalyst-password', taskDurationMs: 150 }), (c) => c.stop());
  const servicenow = started.adopt(await startServiceNowSimulator({ port: 0, username: 'admin', password: 'dev-only-servicenow-password' }), (c) => c.stop());
  const github = started.adopt(await startGitHubSimulator({ port: 0, token: 'dev-only-github-token' }), (c) => c.stop());
  const [audiencePort, networkPort, itsmPort, githubPort, analysisPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  // The gateway listens on whatever port is free when it starts; its public URL (token audience) is fixed now.
  const gatewayAudience = `http://127.0.0.1:${audiencePort}/mcp`;
  const urls = {
    network: `http://127.0.0.1:${networkPort}/mcp`,
    itsm: `http://127.0.0.1:${itsmPort}/mcp`,
    github: `http://127.0.0.1:${githubPort}/mcp`,
    analysis: `http://127.0.0.1:${analysisPort}/mcp`,
  };
  const idp = started.adopt(await startIdentityProvider({
    port: 0,
    resourceServers: [
      ...SEED_RESOURCE_SERVERS,
      { url: gatewayAudience, name: 'mcp-gateway (test)', ownerClientId: 'mcp-gateway' },
      { url: urls.network, name: 'mcp-network (test)', ownerClientId: 'mcp-network' },
      { url: urls.itsm, name: 'mcp-itsm (test)' },
      { url: urls.github, name: 'mcp-github (test)' },
      { url: urls.analysis, name: 'mcp-analysis (test)' },
    ],
  }), (i) => i.stop());
  const common = { OIDC_ISSUER: idp.issuer, OPA_URL: opa.url, AUTHZ_CACHE_TTL_MS: '0', ...options.backendEnv };
  const backends = {
    network: startMcpProcess('mcp-network', networkPort, { ...common, CATALYST_BASE_URL: catalyst.url, ...options.networkEnv }),
    itsm: startMcpProcess('mcp-itsm', itsmPort, { ...common, SERVICENOW_INSTANCE_URL: servicenow.url }),
    github: startMcpProcess('mcp-github', githubPort, { ...common, GITHUB_API_URL: github.url }),
    analysis: startMcpProcess('mcp-analysis', analysisPort, { ...common, CATALYST_BASE_URL: catalyst.url }),
  };
  // Stopped in parallel (a process that never ran stops at once); startAll lets every start settle before it throws.
  started.defer(async () => void (await Promise.allSettled(Object.values(backends).map((b) => b.stop()))));
  await startAll(Object.values(backends).map((b) => b.start()));

  const config = loadConfig({
    PORT: '0',
    PUBLIC_URL: gatewayAudience,
    OIDC_ISSUER: idp.issuer,
    OPA_URL: opa.url,
    AUTHZ_CACHE_TTL_MS: '0',
    GATEWAY_BACKENDS: JSON.stringify(urls),
    HEALTH_INTERVAL_MS: '250',
    HEALTH_TIMEOUT_MS: '1000',
    TOOLS_CACHE_TTL_MS: '5000',
    OIDC_JWKS_REFRESH_MIN_INTERVAL_MS: '200',
    LOG_LEVEL: 'info',
    ...env,
  });
  const startInstance = async (fastPath: boolean): Promise<GatewayInstance> => {
    const backendRequests: RecordedBackendRequest[] = [];
    const recording = recordBackendRequests((r) => backendRequests.push({ url: r.url, authorization: r.headers['authorization'], traceparent: r.headers['traceparent'] }));
    const logs: Record<string, unknown>[] = [];
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
    const gateway = started.adopt(await startGateway(config, { logStream: stream, backendInterceptors: [recording], fastPath }), (g) => g.close());
    return { gateway, url: `${gateway.url}/mcp`, logs, backendRequests };
  };
  const main = await startInstance(true);
  const twin = options.sdkTwin ? await startInstance(false) : undefined;
  const { gateway, logs, backendRequests } = main;
  const gatewayUrl = `${gateway.url}/mcp`;
  const clients: Client[] = [];
  started.defer(async () => void (await Promise.allSettled(clients.map((c) => c.close()))));
  const owned = started.move();

  return {
    idp,
    opa,
    catalyst,
    servicenow,
    github,
    backends,
    gateway,
    gatewayUrl,
    gatewayAudience,
    logs,
    backendRequests,
    ...(twin ? { twin } : {}),
    token: (user, audience = gatewayAudience, options = {}) => idp.issueToken({ user, audience, ...(options.acr ? { acr: options.acr } : {}) }),
    async connect(token, options = {}) {
      const version = options.version ?? '2026-07-28';
      // 2026-07-28 is pinned; without a pin the SDK client speaks the 2025-11-25 initialize handshake.
      const client = new Client(
        { name: 'gateway-test', version: '1.0.0' },
        {
          ...(version === '2026-07-28' ? { versionNegotiation: { mode: { pin: version } } } : {}),
          ...(options.listChanged ? { listChanged: { tools: { onChanged: () => options.listChanged?.() } } } : {}),
        },
      );
      const transport = new StreamableHTTPClientTransport(new URL(options.url ?? gatewayUrl), {
        authProvider: { token: async () => token },
        ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    stop: () => owned.disposeAsync(),
  };
}

/** The platform error code a failed tool result carries in `_meta` (undefined for a success or a bare tool error). */
export const errorCode = (r: CallToolResult): string | undefined => (r._meta?.[ERROR_META_KEY] as { code?: string } | undefined)?.code;

/** An SDK client on 2026-07-28 connected to the gateway at `url` with `token` as its bearer. */
export async function connectToGateway(url: string, token: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: { token: async () => token } }));
  return client;
}

/** The payload of a JWT, unverified (tests only). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
