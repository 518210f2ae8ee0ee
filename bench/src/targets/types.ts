/** A server under test, listening on loopback. */
export interface StartedTarget {
  /** The MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`. */
  url: string;
  close(): Promise<void>;
}

/** How the spine decides: the in-process Wasm policy or the real OPA server. */
export type AuthzEngine = 'wasm' | 'opa';

/**
 * Where the spine's tool gets its answer from: an in-memory client, the Catalyst Center simulator in
 * the server's own process, or the simulator in another process (`catalystUrl`).
 */
export type Upstream = 'in-process' | 'simulator' | 'simulator-elsewhere';

/** One server under test, as the orchestrator hands it to a server process. */
export type TargetSpec =
  | { kind: 'bare'; port: number }
  | {
      kind: 'spine';
      port: number;
      authz: AuthzEngine;
      upstream: Upstream;
      issuer: string;
      opaUrl: string;
      /** The simulator to use with `upstream: 'simulator-elsewhere'`. */
      catalystUrl?: string;
      /** `default`: the platform's per-principal limits as shipped; `off`: limits raised out of reach (throughput rows: one user on purpose). */
      limits: 'default' | 'off';
      /** `UPSTREAM_CACHE_FRESH_MS`; absent = the service's own default. */
      upstreamCacheFreshMs?: number;
    };
