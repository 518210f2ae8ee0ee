import type { Principal } from '../auth/principal.ts';
import { currentRequestContext } from '../logging/context.ts';
import type { PolicyInput, ToolAction } from './types.ts';

/** The caller as the policy sees it: a verified {@link Principal} (or what a worker verified, in the same shape). */
export type PolicySubject = Pick<Principal, 'id' | 'groups' | 'scopes' | 'clientId' | 'authentication'>;

/** What {@link policyInputFor} needs to know about one question to the policy. */
export interface PolicyQuestion {
  subject: PolicySubject;
  /** The server's short name (`network`, `itsm`, …; `rest-api-proxy` for the proxy's own rule). */
  server: string;
  tool: string;
  action: ToolAction;
  /** The call's arguments. Default `{}` ("could this caller call it at all"). */
  arguments?: Record<string, unknown>;
  /** Attributes the server resolved for the policy, e.g. `{ devices: [...] }`. Omitted when undefined. */
  resource?: Record<string, unknown> | undefined;
  /** Default: the current request context's id, else `''`. A workflow passes its workflow id. */
  requestId?: string;
  /** The clock, in ms since the epoch. Default `Date.now()`. */
  nowMs?: number;
}

/**
 * The one way to build a {@link PolicyInput} (DESIGN.md "Contracts"): used by the tool runner,
 * the tasks methods, the gateway, the REST proxy and the deploy worker. The subject carries the
 * caller's authentication (`acr`, `amr`, `auth_time`, `auth_age_seconds` = now − auth_time in
 * whole seconds) when the token said it, for the step-up rules.
 *
 * @example
 * ```ts
 * const input = policyInputFor({ subject: principal, server: 'network', tool: 'list_devices', action: 'read', arguments: { role: 'CORE' } });
 * const decision = await authorizer.decide(input);
 * ```
 */
export function policyInputFor(question: PolicyQuestion): PolicyInput {
  const { subject } = question;
  const nowMs = question.nowMs ?? Date.now();
  const auth = subject.authentication;
  const input: PolicyInput = {
    subject: {
      id: subject.id,
      groups: subject.groups,
      scopes: subject.scopes,
      client_id: subject.clientId,
      ...(auth?.acr === undefined ? {} : { acr: auth.acr }),
      ...(auth?.amr === undefined ? {} : { amr: [...auth.amr] }),
      ...(auth?.authTime === undefined ? {} : { auth_time: auth.authTime, auth_age_seconds: Math.floor(nowMs / 1000 - auth.authTime) }),
    },
    server: question.server,
    tool: question.tool,
    action: question.action,
    arguments: question.arguments ?? {},
    context: { request_id: question.requestId ?? currentRequestContext()?.requestId ?? '', time: new Date(nowMs).toISOString() },
  };
  if (question.resource !== undefined) input.resource = question.resource;
  return input;
}
