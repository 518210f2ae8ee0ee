/**
 * THE list of the platform's servers. Everything that needs a server's name,
 * port, URL, audience, Vault secret path, policy key or upstream reads it from
 * here — `pnpm start`, the dev identity provider, the REST proxy, the gateway,
 * and the generators of docker-compose.yml, deploy/k8s, the Keycloak realm and
 * the Vault policies (deploy-checks fails when a generated file drifts).
 *
 * Adding a server is one entry below, a folder in `services/` and its policy
 * file: docs/adding-a-server.md walks through it.
 *
 * Port plan (loopback in `pnpm start`, container port in compose/Kubernetes):
 * 8100 mcp-gateway · 8101 mcp-network · 8102 mcp-itsm · 8103 mcp-github ·
 * 8104 mcp-analysis · 8080 rest-proxy · 8110 deploy-worker probes.
 *
 * @module
 */
import type { PlatformService, ServerEntry, WorkerEntry } from './types.ts';

/**
 * The MCP servers, in start order: the gateway (`federates`) comes after the
 * servers it federates.
 *
 * @example
 * ```ts
 * const network = SERVERS.find((s) => s.key === 'network'); // port 8101
 * ```
 */
export const SERVERS: readonly ServerEntry[] = [
  {
    key: 'network',
    name: 'mcp-network',
    title: 'Network automation (Cisco Catalyst Center)',
    port: 8101,
    path: '/mcp',
    secrets: ['catalyst-center'],
    policyFiles: ['policies/mcp/authz.rego', 'policies/mcp/deploy.rego'],
    temporal: true,
    // Exchanges its callers' tokens for single-use deploy-worker credentials (RFC 8693).
    ownerClientId: 'mcp-network',
    upstream: {
      label: 'Catalyst Center',
      urlEnv: 'CATALYST_BASE_URL',
      productionUrl: 'https://catalyst-center.example.com',
      simulator: { name: 'catalyst-center-sim', port: 9401, portEnv: 'CATALYST_SIM_PORT', entry: 'src/bin/catalyst-center.ts' },
    },
  },
  {
    key: 'itsm',
    name: 'mcp-itsm',
    title: 'IT service management (ServiceNow)',
    port: 8102,
    path: '/mcp',
    secrets: ['servicenow'],
    policyFiles: ['policies/mcp/itsm.rego'],
    temporal: false,
    upstream: {
      label: 'ServiceNow',
      urlEnv: 'SERVICENOW_INSTANCE_URL',
      productionUrl: 'https://example.service-now.com',
      simulator: { name: 'servicenow-sim', port: 9402, portEnv: 'SERVICENOW_SIM_PORT', entry: 'src/bin/servicenow.ts' },
    },
  },
  {
    key: 'github',
    name: 'mcp-github',
    title: 'Source control (GitHub / GitHub Enterprise)',
    port: 8103,
    path: '/mcp',
    secrets: ['github'],
    policyFiles: ['policies/mcp/github.rego'],
    temporal: false,
    upstream: {
      label: 'GitHub',
      urlEnv: 'GITHUB_API_URL',
      productionUrl: 'https://api.github.com',
      simulator: { name: 'github-sim', port: 9403, portEnv: 'GITHUB_SIM_PORT', entry: 'src/bin/github.ts' },
    },
  },
  {
    key: 'analysis',
    name: 'mcp-analysis',
    title: 'Network analysis and troubleshooting (Cisco Catalyst Center Assurance, Command Runner, Path Trace)',
    port: 8104,
    path: '/mcp',
    secrets: ['catalyst-center'],
    policyFiles: ['policies/mcp/analysis.rego'],
    temporal: false,
    upstream: {
      label: 'Catalyst Center',
      urlEnv: 'CATALYST_BASE_URL',
      productionUrl: 'https://catalyst-center.example.com',
      // The same simulator as mcp-network: a simulator shared by servers is started once.
      simulator: { name: 'catalyst-center-sim', port: 9401, portEnv: 'CATALYST_SIM_PORT', entry: 'src/bin/catalyst-center.ts' },
    },
  },
  {
    key: 'gateway',
    name: 'mcp-gateway',
    title: 'One MCP endpoint: every server above under its key as prefix, composite ops__ tools',
    port: 8100,
    path: '/mcp',
    secrets: [],
    policyFiles: ['policies/mcp/gateway.rego'],
    temporal: false,
    ownerClientId: 'mcp-gateway',
    federates: true,
  },
];

/**
 * The REST proxy: a resource server (its own token audience) in front of every
 * backend server (`backendServers()`: every entry of {@link SERVERS} but the gateway); it owns the `rest-proxy` client that exchanges tokens.
 */
export const REST_PROXY: PlatformService = { name: 'rest-proxy', port: 8080, path: '', ownerClientId: 'rest-proxy', secrets: [] };

/** Workers: no MCP endpoint, a probe port, their own Vault identity. */
export const WORKERS: readonly WorkerEntry[] = [
  {
    name: 'deploy-worker',
    healthPort: 8110,
    secrets: ['catalyst-center', 'servicenow'],
    // Starting, approving, rejecting and cancelling a workflow carry a token for this audience (services/deploy-worker/README.md).
    credentialAudience: 'urn:mcp-platform:deploy-worker',
    credentialTtlSeconds: 300,
  },
];
