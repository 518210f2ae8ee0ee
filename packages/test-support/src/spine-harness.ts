import { PassThrough } from 'node:stream';
import { POLICY_DIR } from '@mcp-platform/policies';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { freePort, startOpa, type RunningOpa } from './opa.ts';

/** The repository's policy bundle root (`policies/mcp`). */

/** What a server under test must expose. */
export interface ServerUnderTest {
  /** Base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** The MCP endpoint = the token audience. */
  publicUrl: string;
  close(): Promise<void>;
}

/** Handed to {@link SpineHarnessOptions.startServer}. */
export interface ServerStartContext<S> {
  /** The port to listen on (its `/mcp` URL is registered at the IdP as a resource). */
  port: number;
  /** Environment for the server's `loadConfig`: PORT, OIDC_ISSUER, OPA_URL and test settings, plus the caller's `env`. */
  env: Record<string, string>;
  /** The upstream simulator. */
  sim: S;
  /** Where the server must write its ECS lines. */
  logStream: NodeJS.WritableStream;
}

/** Options of {@link startSpineHarness}. */
export interface SpineHarnessOptions<S extends { stop(): Promise<void> }, V extends ServerUnderTest> {
  /** Server name, for the IdP's resource list. */
  name: string;
  startSimulator: () => Promise<S>;
  startServer: (ctx: ServerStartContext<S>) => Promise<V>;
  /** Extra environment for the server (overrides the harness defaults). */
  env?: Record<string, string>;
  /** Policy bundle root OPA loads. Default {@link POLICY_DIR} (the repository's policies). */
  policyDir?: string;
  /** The IdP client that owns the server's audience and may exchange its tokens (RFC 8693), e.g. `mcp-network`. */
  ownerClientId?: string;
}

/** Everything an end-to-end test of one MCP server needs, each component real and on loopback. */
export interface SpineHarness<S, V extends ServerUnderTest> {
  idp: RunningIdentityProvider;
  opa: RunningOpa;
  sim: S;
  server: V;
  /** Every ECS line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Raw text the server wrote (for "no secret anywhere" checks). */
  rawLogs(): string;
  /**
   * An access token for a seeded user, for `audience` (default: the server under test). Signed in
   * with the second factor (`acr` `mfa`) unless `acr: 'pwd'` is asked for: tests of anything but
   * step-up act as fully authenticated users.
   */
  token(user: string, audience?: string, options?: { acr?: 'pwd' | 'mfa' }): Promise<string>;
  /** A connected SDK client for a seeded user (`acr` `mfa`): `modern` pins 2026-07-28, `legacy` speaks 2025-11-25. */
  client(user: string, mode?: 'legacy' | 'modern'): Promise<Client>;
  stop(): Promise<void>;
}

/**
 * Starts the dev IdP (with the server's URL as a known resource), the real OPA
 * server with `policies/mcp`, the upstream simulator and the server under test,
 * capturing the server's ECS log lines.
 *
 * @example
 * ```ts
 * const h = await startSpineHarness({
 *   name: 'mcp-network',
 *   startSimulator: () => startCatalystCenterSimulator({ port: 0, ...creds }),
 *   startServer: ({ env, sim, logStream }) => startNetworkServer(loadConfig({ ...env, CATALYST_BASE_URL: sim.url }), { logStream }),
 * });
 * const client = await h.client('nina');
 * ```
 */
export async function startSpineHarness<S extends { stop(): Promise<void> }, V extends ServerUnderTest>(
  options: SpineHarnessOptions<S, V>,
): Promise<SpineHarness<S, V>> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}/mcp`;
  // Each component goes on the stack as soon as it runs: a start-up failing halfway stops what already runs
  // (last first) before the error reaches the caller's beforeAll — no orphan `opa run`. On success the
  // stack moves to the harness, whose stop() disposes it.
  await using started = new AsyncDisposableStack();
  const idp = started.adopt(await startIdentityProvider({
    port: 0,
    resourceServers: [...SEED_RESOURCE_SERVERS, { url: publicUrl, name: `${options.name} (test)`, ...(options.ownerClientId ? { ownerClientId: options.ownerClientId } : {}) }],
  }), (i) => i.stop());
  // Decision logs on, exactly as `pnpm start` runs OPA, so tests can check what reaches them.
  const opa = started.adopt(await startOpa({ policyDir: options.policyDir ?? POLICY_DIR, decisionLogs: true }), (o) => o.stop());
  const sim = started.adopt(await options.startSimulator(), (s) => s.stop());

  const logStream = new PassThrough();
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  let pending = '';
  logStream.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    raw += text;
    pending += text;
    let i: number;
    while ((i = pending.indexOf('\n')) >= 0) {
      logs.push(JSON.parse(pending.slice(0, i)) as Record<string, unknown>);
      pending = pending.slice(i + 1);
    }
  });

  const env: Record<string, string> = {
    PORT: String(port),
    OIDC_ISSUER: idp.issuer,
    OPA_URL: opa.url,
    LOG_LEVEL: 'debug',
    AUTHZ_CACHE_TTL_MS: '0',
    OIDC_JWKS_REFRESH_MIN_INTERVAL_MS: '200',
    ...options.env,
  };
  const server = started.adopt(await options.startServer({ port, env, sim, logStream }), (s) => s.close());
  const clients: Client[] = [];
  started.defer(async () => void (await Promise.allSettled(clients.map((c) => c.close()))));
  const owned = started.move();
  return {
    idp,
    opa,
    sim,
    server,
    logs,
    rawLogs: () => raw,
    token: (user, audience = server.publicUrl, { acr = 'mfa' } = {}) => idp.issueToken({ user, audience, acr }),
    async client(user, mode = 'modern') {
      const token = await idp.issueToken({ user, audience: server.publicUrl, acr: 'mfa' });
      const client = new Client({ name: 'harness', version: '1.0.0' }, mode === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
      await client.connect(new StreamableHTTPClientTransport(new URL(server.publicUrl), { authProvider: { token: async () => token } }));
      clients.push(client);
      return client;
    },
    stop: () => owned.disposeAsync(),
  };
}
