/**
 * Generates the registry-driven parts of `docker-compose.yml` from
 * `@mcp-platform/registry`. The rest of the file (infrastructure, simulators'
 * own settings) is written by hand; each generated part sits between two marker
 * comments:
 *
 *   # >>> generated: servers (deploy-checks/src/compose-servers.ts — `pnpm generate`)
 *   …
 *   # <<< generated: servers
 *
 * Parts: `vault-init-services` (AppRole roles to create), `vault-init-approles`
 * (their id-file volumes), `servers` (one service per MCP server, the gateway's wired to
 * every other server), `rest-proxy-depends`,
 * `rest-proxy-backends` (PROXY_BACKENDS, TOKEN_EXCHANGE_SCOPES) and `approle-volumes`.
 * `registry-drift.test.ts` fails when the committed file differs from what this module makes of it.
 *
 * @example
 * ```ts
 * writeFileSync(COMPOSE_FILE, applyRegions(readFileSync(COMPOSE_FILE, 'utf8'), composeRegions()));
 * ```
 * @module
 */
import { backendServers, clusterUrl, SERVERS, type ServerEntry } from '@mcp-platform/registry';
import { SEED_CLIENTS } from '@mcp-platform/sandboxes/idp';
import { clusterBackends, tokenExchangeScopes, workflowClientEnv } from './k8s-manifests.ts';
import { repoPath } from './repo.ts';
import { COMPOSE_MANAGEMENT_TOKEN } from './prometheus-config.ts';
import { vaultIdentities } from './vault-policies.ts';

/** The compose file. */
export const COMPOSE_FILE = repoPath('docker-compose.yml');

/** A marker pair is missing, doubled or out of order. */
export class RegionMarkerError extends Error {
  static readonly code = 'ERR_REGION_MARKER';
  readonly code = RegionMarkerError.code;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A server that starts deployment workflows: Temporal, and its exchange client with the realm's DEV ONLY seed secret. */
function workflowLines(s: ServerEntry): string[] {
  if (!s.temporal) return [];
  const secret = SEED_CLIENTS.find((c) => c.clientId === s.ownerClientId)?.devSecret;
  if (secret === undefined) throw new TypeError(`${s.name}: the dev IdP seeds no confidential client ${JSON.stringify(s.ownerClientId)}`);
  const env = workflowClientEnv(s, 'temporal:7233');
  return [
    '      # Deployment workflows: the tools start/approve them with a credential exchanged for the worker (RFC 8693).',
    ...Object.entries(env).map(([k, v]) => `      ${k}: ${v}`),
    `      TOKEN_EXCHANGE_CLIENT_SECRET: ${secret} # DEV ONLY (the realm's seed secret)`,
  ];
}

/**
 * A federating server (the gateway): no Vault identity and no upstream, so neither the spine's Vault
 * settings nor vault-init; its own OAuth client (the realm's DEV ONLY seed secret), every backend
 * of the registry, Redis for the per-principal limits shared across replicas.
 */
function gatewayBlock(s: ServerEntry): string[] {
  const clientId = s.ownerClientId ?? s.name;
  const devSecret = SEED_CLIENTS.find((c) => c.clientId === clientId)?.devSecret;
  if (devSecret === undefined) throw new TypeError(`${s.name}: the dev IdP seeds no client "${clientId}" (its ownerClientId)`);
  return [
    `  ${s.name}:`,
    '    <<: *node-service',
    '    build:',
    '      <<: *node-build',
    `      args: { SERVICE: services/${s.name} }`,
    '    depends_on:',
    '      keycloak: { condition: service_healthy }',
    '      opa: { condition: service_healthy }',
    '      redis: { condition: service_healthy }',
    ...backendServers().map((b) => `      ${b.name}: { condition: service_healthy }`),
    '    environment:',
    '      PLATFORM_PROFILE: production',
    '      HOST: 0.0.0.0',
    `      PORT: "${String(s.port)}"`,
    `      PUBLIC_URL: ${clusterUrl(s)}`,
    '      SERVICE_ENVIRONMENT: compose',
    '      LOG_LEVEL: info',
    '      OIDC_ISSUER: https://keycloak:8443/realms/mcp',
    '      OIDC_GROUPS_CLAIM: groups',
    '      NODE_EXTRA_CA_CERTS: /certs/ca.pem',
    '      AUTHZ_MODE: opa',
    '      OPA_URL: http://opa:8181',
    '      REDIS_URL: redis://redis:6379',
    '      # Prometheus scrapes /metrics with it (deploy/prometheus/prometheus.yml, generated).',
    `      MANAGEMENT_TOKEN: ${COMPOSE_MANAGEMENT_TOKEN} # DEV ONLY`,
    `      GATEWAY_CLIENT_ID: ${clientId}`,
    `      GATEWAY_CLIENT_SECRET: ${devSecret} # DEV ONLY (the realm's seed secret)`,
    `      GATEWAY_BACKENDS: '${JSON.stringify(clusterBackends())}'`,
    '      # Keycloak puts a server\'s URL in `aud` through its audience client scope: ask for it in each exchange.',
    `      TOKEN_EXCHANGE_SCOPES: '${JSON.stringify(tokenExchangeScopes())}'`,
    '    volumes:',
    '      - ./deploy/certs/out:/certs:ro',
    `    ports: ["${String(s.port)}:${String(s.port)}"]`,
  ];
}

function serverBlock(s: ServerEntry): string[] {
  if (s.federates === true) return gatewayBlock(s);
  const sim = s.upstream?.simulator;
  return [
    `  ${s.name}:`,
    '    <<: *node-service',
    '    build:',
    '      <<: *node-build',
    `      args: { SERVICE: services/${s.name} }`,
    '    depends_on:',
    '      <<: *spine-deps',
    ...(sim === undefined ? [] : [`      ${sim.name}: { condition: service_healthy }`]),
    '    environment:',
    '      <<: *spine-env',
    `      PORT: "${String(s.port)}"`,
    `      PUBLIC_URL: ${clusterUrl(s)}`,
    ...workflowLines(s),
    ...(s.upstream === undefined || sim === undefined ? [] : [`      ${s.upstream.urlEnv}: http://${sim.name}:${String(sim.port)}`]),
    // A server that reads no secret has no Vault identity (no AppRole, no id files).
    ...(s.secrets.length === 0
      ? []
      : [
          '      # docker/entrypoint.sh turns <NAME>_FILE into <NAME>; vault-init wrote these files.',
          `      VAULT_ROLE_ID_FILE: /approle/${s.name}/role_id`,
          `      VAULT_SECRET_ID_FILE: /approle/${s.name}/secret_id`,
        ]),
    '    volumes:',
    '      - ./deploy/certs/out:/certs:ro',
    ...(s.secrets.length === 0 ? [] : [`      - approle-${s.name}:/approle/${s.name}:ro`]),
    `    ports: ["${String(s.port)}:${String(s.port)}"]`,
  ];
}

/**
 * The generated parts by region id: the lines between the markers.
 *
 * @example
 * ```ts
 * composeRegions()['vault-init-services']; // ['      MCP_SERVICES: mcp-network,mcp-itsm,mcp-github,deploy-worker']
 * ```
 */
export function composeRegions(): Record<string, string[]> {
  const vault = vaultIdentities().map((s) => s.name);
  return {
    'vault-init-services': [`      MCP_SERVICES: ${vault.join(',')}`],
    'vault-init-approles': vault.map((n) => `      - approle-${n}:/approle/${n}`),
    servers: SERVERS.flatMap((s, i) => [...(i === 0 ? [] : ['']), ...serverBlock(s)]),
    'rest-proxy-depends': backendServers().map((s) => `      ${s.name}: { condition: service_healthy }`),
    'rest-proxy-backends': [
      `      PROXY_BACKENDS: '${JSON.stringify(clusterBackends())}'`,
      '      # Keycloak puts a server\'s URL in `aud` through its audience client scope: ask for it in each exchange.',
      `      TOKEN_EXCHANGE_SCOPES: '${JSON.stringify(tokenExchangeScopes())}'`,
    ],
    'approle-volumes': vault.map((n) => `  approle-${n}: {}`),
  };
}

const OPEN = /^(\s*)# >>> generated: ([a-z0-9-]+)\b.*$/;
const CLOSE = /^\s*# <<< generated: ([a-z0-9-]+)\s*$/;

/**
 * `text` with the lines between each region's markers replaced; every region of
 * `regions` must appear exactly once, every marker in `text` must have a region.
 *
 * @throws {RegionMarkerError} on a missing, doubled, unclosed or unknown marker.
 * @example
 * ```ts
 * applyRegions('a\n# >>> generated: x\nold\n# <<< generated: x\n', { x: ['new'] });
 * // 'a\n# >>> generated: x\nnew\n# <<< generated: x\n'
 * ```
 */
export function applyRegions(text: string, regions: Record<string, string[]>): string {
  const out: string[] = [];
  const seen = new Set<string>();
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const o = OPEN.exec(line);
    const c = CLOSE.exec(line);
    if (o !== null) {
      const id = o[2] ?? '';
      if (open !== undefined) throw new RegionMarkerError(`region ${open} is not closed before region ${id} opens`);
      if (seen.has(id)) throw new RegionMarkerError(`region ${id} appears twice`);
      const lines = regions[id];
      if (lines === undefined || !Object.hasOwn(regions, id)) throw new RegionMarkerError(`region ${id} is not a generated region`);
      seen.add(id);
      open = id;
      out.push(line, ...lines);
    } else if (c !== null) {
      if (c[1] !== open) throw new RegionMarkerError(`marker "<<< generated: ${c[1] ?? ''}" closes no open region`);
      open = undefined;
      out.push(line);
    } else if (open === undefined) {
      out.push(line);
    }
  }
  if (open !== undefined) throw new RegionMarkerError(`region ${open} is not closed`);
  const missing = Object.keys(regions).filter((id) => !seen.has(id));
  if (missing.length > 0) throw new RegionMarkerError(`no markers for region(s) ${missing.join(', ')}`);
  return out.join('\n');
}
