/** What a tool does, declared per tool beside its MCP annotations. */
export type ToolAction = 'read' | 'write' | 'execute';

/**
 * The policy input (DESIGN.md "Contracts"), sent as `{ input }` to OPA or the Wasm policy.
 *
 * @example
 * ```ts
 * const input: PolicyInput = {
 *   subject: { id: 'alice', groups: ['network-engineers'], scopes: ['mcp:tools'], client_id: 'agent-x' },
 *   server: 'network', tool: 'deploy_template', action: 'write',
 *   arguments: { template_id: 'tpl-1', device_ids: ['dev-1'] },
 *   context: { request_id: 'req-1', time: new Date().toISOString() },
 *   resource: { devices: [{ id: 'dev-1', role: 'CORE', hostname: 'core-sw-01' }] },
 * };
 * ```
 */
export interface PolicyInput {
  subject: {
    id: string;
    groups: string[];
    scopes: string[];
    client_id?: string;
    /** The token's `acr` (authentication context class), when it has one: the step-up rules read it. */
    acr?: string;
    /** The token's `amr` (authentication methods). */
    amr?: string[];
    /** The token's `auth_time`, seconds since the epoch. */
    auth_time?: number;
    /** `context.time - auth_time` in whole seconds, for `max_age` rules (the Wasm build has no time builtins). */
    auth_age_seconds?: number;
  };
  /** The MCP server's short name (`network`, `itsm`, `github`). */
  server: string;
  tool: string;
  action: ToolAction;
  /** The tool call's arguments; `{}` when asking "could this caller call this tool at all" (tools/list). */
  arguments: Record<string, unknown>;
  context: {
    request_id: string;
    /** RFC 3339 time of the request. */
    time: string;
  };
  /** Attributes the server resolved for the policy, e.g. `{ devices: [{ id, role, hostname }] }`. */
  resource?: Record<string, unknown>;
}

/**
 * The policy result. `error` is set only when the engine could not decide
 * (then `allow` is always `false`): callers can tell "denied" from "engine down".
 *
 * @example
 * ```ts
 * const d = await authorizer.decide(input);
 * if (d.error === 'ERR_AUTHZ_UNAVAILABLE') metrics.authzUnavailable.inc();
 * ```
 */
export interface Decision {
  allow: boolean;
  /** Sorted, human-readable: why denied, or which group granted. */
  reasons: string[];
  error?: 'ERR_AUTHZ_UNAVAILABLE';
  /**
   * Set on a deny when a stronger or more recent authentication is ALL that is missing: the
   * caller gets the RFC 9470 challenge (`insufficient_user_authentication`) with these values.
   */
  stepUp?: StepUpDemand;
}

/** What the policy asks the caller to authenticate with (RFC 9470 `acr_values`, `max_age`). */
export interface StepUpDemand {
  /** Acceptable authentication context classes, most preferred first, e.g. `['mfa']`. */
  acrValues: string[];
  /** Largest acceptable age of the authentication, in seconds. */
  maxAgeSeconds?: number;
}

/**
 * Decides policy inputs. Implementations fail closed: `decide` never rejects,
 * an engine fault is a deny with `error: 'ERR_AUTHZ_UNAVAILABLE'`.
 *
 * @example
 * ```ts
 * const authorizer: Authorizer = createOpaAuthorizer({ url: 'http://127.0.0.1:8181' });
 * const { allow, reasons } = await authorizer.decide(input);
 * ```
 */
export interface Authorizer {
  decide(input: PolicyInput): Promise<Decision>;
  /** True when the engine can answer now (OPA `/health` is OK, or the Wasm policy is loaded). Never rejects. */
  ready(): Promise<boolean>;
  /** Releases connections / memory. Idempotent. */
  close(): Promise<void>;
}
