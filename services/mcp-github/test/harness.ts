import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startGitHubSimulator, type GitHubSimulator } from '@mcp-platform/sandboxes/github';
import { SEED_RESOURCE_SERVERS, startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { freePort, startOpa, type RunningOpa } from '@mcp-platform/test-support';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startGitHubServer } from '../src/app.ts';
import { DEV_SECRETS, loadConfig } from '../src/config.ts';

export const POLICY_DIR = fileURLToPath(new URL('../../../policies/mcp', import.meta.url));

/** Everything a platform test needs, each component real and on loopback. */
export interface GitHubHarness {
  idp: RunningIdentityProvider;
  opa: RunningOpa;
  sim: GitHubSimulator;
  server: Awaited<ReturnType<typeof startGitHubServer>>;
  /** Every ECS line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Raw text the server wrote (for "no secret anywhere" checks). */
  rawLogs: () => string;
  token(user: string, audience?: string): Promise<string>;
  client(user: string): Promise<Client>;
  stop(): Promise<void>;
}

/**
 * Starts the dev IdP, the real OPA server with `policies/mcp`, the GitHub simulator and
 * mcp-github (full spine), wired together.
 */
export async function startHarness(env: Record<string, string> = {}): Promise<GitHubHarness> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}/mcp`;
  const idp = await startIdentityProvider({ port: 0, resourceServers: [...SEED_RESOURCE_SERVERS, { url: publicUrl, name: 'mcp-github (test)' }] });
  const opa = await startOpa({ policyDir: POLICY_DIR });
  const sim = await startGitHubSimulator({ port: 0, token: DEV_SECRETS.github.token });
  const stream = new PassThrough();
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    raw += text;
    pending += text;
    let i: number;
    while ((i = pending.indexOf('\n')) >= 0) {
      logs.push(JSON.parse(pending.slice(0, i)) as Record<string, unknown>);
      pending = pending.slice(i + 1);
    }
  });
  const config = loadConfig({
    PORT: String(port),
    OIDC_ISSUER: idp.issuer,
    OPA_URL: opa.url,
    GITHUB_API_URL: sim.url,
    GITHUB_RATE_LIMIT_MAX_WAIT_SECONDS: '2',
    LOG_LEVEL: 'debug',
    AUTHZ_CACHE_TTL_MS: '0',
    ...env,
  });
  const server = await startGitHubServer(config, { logStream: stream, writeIntervalMs: 0, searchIntervalMs: 0 });
  const clients: Client[] = [];
  return {
    idp,
    opa,
    sim,
    server,
    logs,
    rawLogs: () => raw,
    token: (user, audience = server.publicUrl) => idp.issueToken({ user, audience }),
    async client(user) {
      const token = await idp.issueToken({ user, audience: server.publicUrl });
      const client = new Client({ name: 'harness', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.publicUrl), { authProvider: { token: async () => token } }));
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await server.close();
      await Promise.allSettled([sim.stop(), opa.stop(), idp.stop()]);
    },
  };
}
