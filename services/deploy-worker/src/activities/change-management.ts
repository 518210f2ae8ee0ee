import type { ServiceNowClient } from '@mcp-platform/connectors/servicenow';
import { CHANGE_STATE, type ChangeStateName } from '@mcp-platform/connectors/servicenow';
import { createMemoryResourceLock, serverLockKey, type ResourceLock } from '@mcp-platform/mcp-common/binding';
import { PlatformError } from '@mcp-platform/mcp-common/errors';
import { serverByKey } from '@mcp-platform/registry';
import type { ChangeType } from '@mcp-platform/deployment-contract';

/** A ticket the workflow created (change request or incident). */
export interface TicketRef {
  sysId: string;
  number: string;
}

/** Stages of a change the deployment moves it to. */
export type ChangeStage = 'authorize' | 'implement' | 'review';

/** A decision on a change's approval, as the ITSM system recorded it. */
export interface ApprovalRecord {
  /** Who decided (the ITSM user name = the platform identity). */
  approver: string;
  decision: 'approved' | 'rejected';
  /** False when the change already had this decision (a retry) and nothing was written. */
  recorded: boolean;
  /** The change's state after the decision (approved → scheduled, rejected → new); null when it could not be read. */
  changeState: ChangeStateName | null;
}

/**
 * What the deployment workflow needs from an ITSM system. Every create is
 * idempotent by `correlationId` (a retry returns the existing ticket), every
 * move is idempotent (moving to where the change already is does nothing).
 *
 * @example
 * ```ts
 * const itsm: ChangeManagement = createServiceNowChangeManagement(serviceNowClient);
 * const change = await itsm.openChange({ correlationId: workflowId, shortDescription: 'Deploy NTP', description: '…', requestedBy: 'nina' });
 * ```
 */
export interface ChangeManagement {
  /**
   * Opens a change in state New. `type` (default `normal`): a normal change is authorized by
   * approvers; a `standard` change is pre-approved (it skips assess and authorize) and names the
   * approved standard-change template it follows (`standardTemplate`, `std_change_producer_version`).
   */
  openChange(input: { correlationId: string; shortDescription: string; description: string; requestedBy: string; type?: ChangeType; standardTemplate?: string }): Promise<TicketRef & { created: boolean }>;
  /**
   * Records `approver`'s decision on the change in their own approval record (ServiceNow:
   * `sysapproval_approver`; the approval rule then moves the change — approved → Scheduled,
   * rejected → New), then reads the change's state. Idempotent: when the change already has a
   * decision nothing is written and that decision is answered (check its `approver`).
   */
  decideApproval(sysId: string, input: { approver: string; decision: 'approved' | 'rejected'; comment?: string }): Promise<ApprovalRecord>;
  /**
   * Walks the change through its type's state model up to `to` (a standard change has no `authorize`).
   * A normal change leaves Authorize only through its approval: `approvedBy` (whose approval the
   * deployment accepted) is recorded first when the change still waits for it.
   */
  moveChange(sysId: string, to: ChangeStage, workNote?: string, approvedBy?: string): Promise<void>;
  addWorkNote(sysId: string, note: string): Promise<void>;
  /** Moves the change to review if needed, then closes it with `code`. No-op when already closed. */
  closeChange(sysId: string, code: 'successful' | 'successful_issues' | 'unsuccessful', notes: string): Promise<void>;
  /** Cancels an open change. No-op when already cancelled or closed. */
  cancelChange(sysId: string, reason: string): Promise<void>;
  openIncident(input: { correlationId: string; shortDescription: string; description: string }): Promise<TicketRef & { created: boolean }>;
}

// A change's path through ServiceNow's state model, per type (ChangeRequestStateModel_normal /
// ChangeRequestStateModel_standard in ServiceNow's Change Management state model: a standard change is
// pre-approved and goes New → Scheduled → Implement → Review → Closed). The simulator enforces the same
// transitions (sandboxes' CHANGE_TRANSITIONS).
const PATHS: Record<ChangeType, ChangeStateName[]> = {
  normal: ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed'],
  standard: ['new', 'scheduled', 'implement', 'review', 'closed'],
};
const NAME_BY_VALUE = new Map<string, ChangeStateName>(Object.entries(CHANGE_STATE).map(([name, value]) => [value, name as ChangeStateName]));

/** Options of {@link createServiceNowChangeManagement}. */
export interface ServiceNowChangeManagementOptions {
  /**
   * The lock every write to an existing change is made under, on mcp-itsm's key for it ({@link changeLockKey}):
   * the spine's resource lock shared through Redis (`resourceLockFromConfig`, prefix `mcp:lock:`), so a
   * deployment's write and an mcp-itsm tool's write on one change never interleave.
   * Default: an in-process lock (this worker only).
   */
  lock?: ResourceLock;
}

/**
 * mcp-itsm's lock key of a change: its tools' `lockKeys` (`change_request:<sys_id>`) under its server id, as the
 * spine's tool runner scopes them (`itsm:change_request:<sys_id>`; in Redis `mcp:lock:itsm:change_request:<sys_id>`) —
 * one key, so both sides exclude each other.
 */
export const changeLockKey = (sysId: string): string => serverLockKey(serverByKey('itsm').key, `change_request:${sysId}`);

/**
 * {@link ChangeManagement} over the ServiceNow Table API connector (normal and standard changes). Every
 * write to an existing change (approval decision, moves, work notes, close, cancel) holds the change's lock.
 *
 * @example
 * ```ts
 * const itsm = createServiceNowChangeManagement(createServiceNowClient({ instanceUrl, credentials }), { lock: resourceLockFromConfig(config, redis) });
 * ```
 */
export function createServiceNowChangeManagement(sn: ServiceNowClient, options: ServiceNowChangeManagementOptions = {}): ChangeManagement {
  const lock = options.lock ?? createMemoryResourceLock();
  // Busy (ERR_RESOURCE_BUSY) or the lock store down (ERR_LOCK_UNAVAILABLE): plain errors, retried by Temporal — never written unlocked.
  const onChange = <T>(sysId: string, fn: () => Promise<T>): Promise<T> => lock.withLock([changeLockKey(sysId)], fn);
  const read = async (sysId: string): Promise<{ state: ChangeStateName; path: ChangeStateName[] }> => {
    const change = await sn.getChangeRequest(sysId);
    const name = NAME_BY_VALUE.get(change.state.value);
    if (name === undefined) throw new Error(`change ${change.number.value} has unknown state ${change.state.value}`);
    return { state: name, path: change.type.value === 'standard' ? PATHS.standard : PATHS.normal };
  };
  const stateOf = async (sysId: string): Promise<ChangeStateName> => (await read(sysId)).state;
  const decide: ChangeManagement['decideApproval'] = async (sysId, input) => {
    const outcome = await sn.decideChangeApproval(sysId, { approver: input.approver, decision: input.decision, ...(input.comment !== undefined ? { comments: input.comment } : {}) });
    const decision = outcome.approval.state.value;
    if (decision !== 'approved' && decision !== 'rejected') throw new Error(`approval ${outcome.approval.sys_id} has no decision (${decision})`);
    return {
      approver: outcome.approval['approver.user_name'].value,
      decision,
      recorded: outcome.recorded,
      changeState: outcome.change ? (NAME_BY_VALUE.get(outcome.change.state.value) ?? null) : null,
    };
  };
  const walk = async (sysId: string, to: ChangeStateName, workNote?: string, approvedBy?: string): Promise<void> => {
    const { state, path: PATH } = await read(sysId);
    const target = PATH.indexOf(to);
    if (target < 0) throw new TypeError(`a change of this type has no state ${to}`);
    let current = state;
    if (current === 'canceled') throw new Error(`change ${sysId} is cancelled`);
    let note = workNote;
    while (PATH.indexOf(current) < target) {
      const next = PATH[PATH.indexOf(current) + 1] as ChangeStateName;
      if (current === 'authorize' && next === 'scheduled') {
        // A normal change leaves Authorize through its approval records, never a PATCH of state
        // (ServiceNow refuses that while approvals are pending: ChangeRequestStateModel_normal).
        if (approvedBy === undefined) throw new PlatformError('ERR_WORKFLOW_STATE', `change ${sysId} waits for its approval in Authorize`);
        const decided = await decide(sysId, { approver: approvedBy, decision: 'approved' });
        const now = decided.changeState ?? (await stateOf(sysId));
        if (decided.decision !== 'approved' || now !== 'scheduled') throw new PlatformError('ERR_WORKFLOW_STATE', `change ${sysId} was not scheduled by its approval (${decided.decision} by ${decided.approver}; state ${now})`);
        current = next;
        continue;
      }
      await sn.updateChangeRequest(sysId, { state: next, ...(note !== undefined && PATH.indexOf(next) === target ? { workNote: note } : {}) });
      if (PATH.indexOf(next) === target) note = undefined;
      current = next;
    }
    if (note !== undefined) await sn.updateChangeRequest(sysId, { workNote: note });
  };
  return {
    async openChange(input) {
      // `requested_by` references the requester's sys_user when the instance has one (user_name = the verified
      // platform identity), so mcp-itsm's four-eyes check on it applies to deployment changes too; a requester
      // who is no ServiceNow user is named in the description only.
      // A name that cannot be a user_name (the connector puts none into a query) is no ServiceNow user.
      const requester = await sn.findUserByName(input.requestedBy).catch((err: unknown) => {
        if (err instanceof TypeError) return undefined;
        throw err;
      });
      const { record, created } = await sn.createChangeRequest(
        {
          short_description: input.shortDescription,
          description: `${input.description}\nRequested by: ${input.requestedBy}`,
          type: input.type ?? 'normal',
          risk: 'moderate',
          impact: 2,
          urgency: 2,
          ...(requester ? { requested_by: requester.sysId } : {}),
          ...(input.standardTemplate !== undefined ? { std_change_producer_version: input.standardTemplate } : {}),
        },
        { correlationId: input.correlationId },
      );
      return { sysId: record.sys_id, number: record.number.value, created };
    },
    decideApproval: (sysId, input) => onChange(sysId, () => decide(sysId, input)),
    moveChange: (sysId, to, workNote, approvedBy) => onChange(sysId, () => walk(sysId, to, workNote, approvedBy)),
    addWorkNote: (sysId, note) =>
      onChange(sysId, async () => {
        await sn.updateChangeRequest(sysId, { workNote: note });
      }),
    closeChange: (sysId, code, notes) =>
      onChange(sysId, async () => {
        const current = await stateOf(sysId);
        if (current === 'closed') return;
        await walk(sysId, 'review');
        await sn.updateChangeRequest(sysId, { state: 'closed', closeCode: code, closeNotes: notes });
      }),
    cancelChange: (sysId, reason) =>
      onChange(sysId, async () => {
        const current = await stateOf(sysId);
        if (current === 'canceled' || current === 'closed') return;
        await sn.updateChangeRequest(sysId, { state: 'canceled', workNote: reason });
      }),
    async openIncident(input) {
      const { record, created } = await sn.createIncident(
        { short_description: input.shortDescription, description: input.description, impact: 2, urgency: 2, category: 'network' },
        { correlationId: input.correlationId },
      );
      return { sysId: record.sys_id, number: record.number.value, created };
    },
  };
}
