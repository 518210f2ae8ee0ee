import type { ServiceNowClient } from '@mcp-platform/connectors/servicenow';
import { CHANGE_STATE, type ChangeStateName } from '@mcp-platform/connectors/servicenow';
import type { ChangeType } from '../types.ts';

/** A ticket the workflow created (change request or incident). */
export interface TicketRef {
  sysId: string;
  number: string;
}

/** Stages of a change the deployment moves it to. */
export type ChangeStage = 'authorize' | 'implement' | 'review';

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
  /** Walks the change through its type's state model up to `to` (a standard change has no `authorize`). */
  moveChange(sysId: string, to: ChangeStage, workNote?: string): Promise<void>;
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

/**
 * {@link ChangeManagement} over the ServiceNow Table API connector (normal and standard changes).
 *
 * @example
 * ```ts
 * const itsm = createServiceNowChangeManagement(createServiceNowClient({ instanceUrl, credentials }));
 * ```
 */
export function createServiceNowChangeManagement(sn: ServiceNowClient): ChangeManagement {
  const read = async (sysId: string): Promise<{ state: ChangeStateName; path: ChangeStateName[] }> => {
    const change = await sn.getChangeRequest(sysId);
    const name = NAME_BY_VALUE.get(change.state.value);
    if (name === undefined) throw new Error(`change ${change.number.value} has unknown state ${change.state.value}`);
    return { state: name, path: change.type.value === 'standard' ? PATHS.standard : PATHS.normal };
  };
  const stateOf = async (sysId: string): Promise<ChangeStateName> => (await read(sysId)).state;
  const walk = async (sysId: string, to: ChangeStateName, workNote?: string): Promise<void> => {
    const { state, path: PATH } = await read(sysId);
    const target = PATH.indexOf(to);
    if (target < 0) throw new TypeError(`a change of this type has no state ${to}`);
    let current = state;
    if (current === 'canceled') throw new Error(`change ${sysId} is cancelled`);
    let note = workNote;
    while (PATH.indexOf(current) < target) {
      const next = PATH[PATH.indexOf(current) + 1] as ChangeStateName;
      await sn.updateChangeRequest(sysId, { state: next, ...(note !== undefined && PATH.indexOf(next) === target ? { workNote: note } : {}) });
      if (PATH.indexOf(next) === target) note = undefined;
      current = next;
    }
    if (note !== undefined) await sn.updateChangeRequest(sysId, { workNote: note });
  };
  return {
    async openChange(input) {
      const { record, created } = await sn.createChangeRequest(
        { short_description: input.shortDescription, description: `${input.description}\nRequested by: ${input.requestedBy}`, type: input.type ?? 'normal', risk: 'moderate', impact: 2, urgency: 2, ...(input.standardTemplate !== undefined ? { std_change_producer_version: input.standardTemplate } : {}) },
        { correlationId: input.correlationId },
      );
      return { sysId: record.sys_id, number: record.number.value, created };
    },
    moveChange: (sysId, to, workNote) => walk(sysId, to, workNote),
    async addWorkNote(sysId, note) {
      await sn.updateChangeRequest(sysId, { workNote: note });
    },
    async closeChange(sysId, code, notes) {
      const current = await stateOf(sysId);
      if (current === 'closed') return;
      await walk(sysId, 'review');
      await sn.updateChangeRequest(sysId, { state: 'closed', closeCode: code, closeNotes: notes });
    },
    async cancelChange(sysId, reason) {
      const current = await stateOf(sysId);
      if (current === 'canceled' || current === 'closed') return;
      await sn.updateChangeRequest(sysId, { state: 'canceled', workNote: reason });
    },
    async openIncident(input) {
      const { record, created } = await sn.createIncident(
        { short_description: input.shortDescription, description: input.description, impact: 2, urgency: 2, category: 'network' },
        { correlationId: input.correlationId },
      );
      return { sysId: record.sys_id, number: record.number.value, created };
    },
  };
}
