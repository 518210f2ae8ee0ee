/**
 * Shapes of the registry's entries.
 *
 * @module
 */

/** A local stand-in for an upstream API (packages/sandboxes), run by `pnpm start` and compose. */
export interface Simulator {
  /** Process / compose service name, e.g. `catalyst-center-sim`. */
  readonly name: string;
  /** Loopback port in `pnpm start`, container port in compose. */
  readonly port: number;
  /** Environment variable that moves it in `pnpm start`, e.g. `CATALYST_SIM_PORT`. */
  readonly portEnv: string;
  /** Runnable entry inside packages/sandboxes, e.g. `src/bin/catalyst-center.ts`. */
  readonly entry: string;
}

/** The upstream API a server fronts. */
export interface Upstream {
  /** Human name, e.g. `Catalyst Center` (error messages, docs). */
  readonly label: string;
  /** The server's environment variable holding the upstream base URL. */
  readonly urlEnv: string;
  /** Example production URL (Kubernetes base ConfigMap; overlays replace it). */
  readonly productionUrl: string;
  /** Its local simulator. */
  readonly simulator: Simulator;
}

/** Something that owns a Vault identity: a role and a policy named after it. */
export interface VaultIdentity {
  /** Service name: folder `services/<name>`, compose service, Kubernetes objects, Vault role and policy. */
  readonly name: string;
  /** Secret names it may read: Vault KV v2 paths `secret/data/mcp/<secret>` (mount `secret`). */
  readonly secrets: readonly string[];
}

/** One MCP server of the platform. */
export interface ServerEntry extends VaultIdentity {
  /** Policy key: `input.server` in every policy decision, the REST proxy's backend name, the gateway's tool prefix. `[a-z][a-z0-9-]*`. */
  readonly key: string;
  /** One line for people and models. */
  readonly title: string;
  /** HTTP port (loopback in `pnpm start`, container and Service port in compose/Kubernetes). */
  readonly port: number;
  /** Path of the MCP endpoint, `/mcp`. */
  readonly path: string;
  /** Rego files (repository-relative) holding this server's rules; its grants are `data.mcp.grants[group][key]`. */
  readonly policyFiles: readonly string[];
  /** Starts deployment workflows: gets `TEMPORAL_ADDRESS` where Temporal runs. */
  readonly temporal: boolean;
  /** The upstream API it fronts; absent for a server that only talks to other servers (the gateway). */
  readonly upstream?: Upstream;
  /** Client that owns this resource and may exchange tokens issued for it (RFC 8693), e.g. the gateway's. */
  readonly ownerClientId?: string;
  /**
   * An aggregator (the gateway): an MCP client of every other entry ({@link backendServers}),
   * re-exporting their tools under their keys. It is nobody's backend — not the REST proxy's,
   * not its own. Needs `ownerClientId` (it exchanges the caller's token per backend) and no upstream.
   * Default `false`.
   */
  readonly federates?: boolean;
}

/** A resource server that is not an MCP server (the REST proxy). */
export interface PlatformService extends VaultIdentity {
  readonly port: number;
  /** Path appended to the origin to form its resource identifier; `''` = the origin itself. */
  readonly path: string;
  readonly ownerClientId?: string;
}

/** A worker: no traffic port, probes on `healthPort`. */
export interface WorkerEntry extends VaultIdentity {
  readonly healthPort: number;
  /**
   * Audience of the identity credentials the worker verifies (tokens that reach it through
   * Temporal, not over HTTP): a URN, the same in every environment. Absent: it verifies none.
   */
  readonly credentialAudience?: string;
  /** Lifetime of those credentials at the dev IdP and in the Keycloak realm, in seconds (short: they are single-use). */
  readonly credentialTtlSeconds?: number;
}
