/**
 * The deployment's progress in a few fields (deterministic, plain data: the workflow keeps it in
 * its memo, clients derive the same from a full progress).
 */
import type { DeploymentProgress, DeploymentSummary } from './types.ts';

const DONE = new Set(['deployed', 'verified']);
const FAILED = new Set(['failed', 'rollback_failed']);

/**
 * A {@link DeploymentSummary} of `progress`.
 *
 * @example
 * ```ts
 * summarize(progress); // { step: 'deploying', batchesDone: 1, batchesTotal: 2, devicesDone: 2, devicesFailed: 0, … }
 * ```
 */
export function summarize(progress: DeploymentProgress): DeploymentSummary {
  const devices = Object.values(progress.devices);
  return {
    step: progress.step,
    requester: progress.requester,
    ...(progress.change ? { change: progress.change.number } : {}),
    ...(progress.approvedBy !== undefined ? { approvedBy: progress.approvedBy } : {}),
    approvalsRefused: progress.approvals.filter((a) => !a.allowed).length,
    batchesTotal: progress.batchesTotal,
    batchesDone: progress.batchesDone,
    devicesTotal: devices.length,
    devicesDone: devices.filter((d) => DONE.has(d.status)).length,
    devicesFailed: devices.filter((d) => FAILED.has(d.status)).length,
    ...(progress.reason !== undefined ? { reason: progress.reason } : {}),
    ...(progress.input !== undefined ? { input: progress.input } : {}),
    ...(progress.changeType !== undefined ? { changeType: progress.changeType } : {}),
    ...(progress.updatedAt !== undefined ? { updatedAt: progress.updatedAt } : {}),
  };
}
