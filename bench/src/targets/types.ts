/** A server under test, listening on loopback. */
export interface StartedTarget {
  /** The MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`. */
  url: string;
  close(): Promise<void>;
}

/** How the spine decides: the in-process Wasm policy or the real OPA server. */
export type AuthzEngine = 'wasm' | 'opa';

/** Where the spine's tool gets its answer from. */
export type Upstream = 'in-process' | 'simulator';

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
      /** `default`: the platform's per-principal limits as shipped; `off`: limits raised out of reach (throughput rows: one user on purpose). */
      limits: 'default' | 'off';
    };
