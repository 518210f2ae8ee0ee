/**
 * Types shared by the deployment workflow, its activities and its clients
 * (CLI, MCP tools). Plain data only: this module is bundled into the
 * deterministic workflow sandbox.
 */

/** The Temporal workflow type name clients start. */
export const DEPLOYMENT_WORKFLOW_TYPE = 'templateDeploymentWorkflow';

/** The task queue the worker polls by default. */
export const DEFAULT_TASK_QUEUE = 'template-deployments';

/** Who asked for, approved or cancelled something (from the caller's verified token or the operator's login). */
export interface Identity {
  id: string;
  groups: string[];
}

/** Scalar template variable values, the same for every device. */
export type TemplateParams = Record<string, string | number | boolean>;

/**
 * The input of {@link DEPLOYMENT_WORKFLOW_TYPE}.
 *
 * @example
 * ```ts
 * const input: DeploymentRequest = {
 *   templateId: '7e000000-0000-4000-8000-000000000001',
 *   deviceIds: ['de000000-0000-4000-8000-000000000005'],
 *   params: { interface: 'Gi1/0/1', description: 'uplink' },
 *   requester: { id: 'nina', groups: ['network-engineers'] },
 * };
 * ```
 */
export interface DeploymentRequest {
  templateId: string;
  deviceIds: string[];
  params: TemplateParams;
  requester: Identity;
  /** Why (goes on the change request). */
  reason?: string;
  /** Devices per Catalyst Center deploy call. Default 5. */
  batchSize?: number;
  /** Most devices that may fail before the deployment is aborted and rolled back. Default 0. */
  failureThreshold?: number;
  /** How long to wait for an approval before cancelling the change, in ms. Default 86400000 (24 h). */
  approvalTimeoutMs?: number;
  /**
   * What "rollback" deploys: Catalyst Center templates are not transactional, so restoring a
   * device means pushing a known-good template (e.g. the previous version) with its params.
   * Without one, rollback is recorded only: the devices are listed on the change and the
   * incident for manual restoration.
   */
  rollback?: { templateId: string; params: TemplateParams };
  /** Heartbeat timeout of the deploy activity, in ms (how fast a dead worker's deploy is retried). Default 30000. */
  heartbeatTimeoutMs?: number;
  /** Delay between Catalyst task polls, in ms. Default 2000. */
  pollIntervalMs?: number;
}

export type DeploymentStep =
  | 'validating'
  | 'opening_change'
  | 'awaiting_approval'
  | 'deploying'
  | 'verifying'
  | 'closing_change'
  | 'rolling_back'
  | 'completed'
  | 'rolled_back'
  | 'cancelled'
  | 'rejected'
  | 'failed';

export type DeviceDeploymentStatus = 'pending' | 'deploying' | 'deployed' | 'failed' | 'verified' | 'rolled_back' | 'rollback_failed' | 'not_rolled_back';

export interface DeviceProgress {
  status: DeviceDeploymentStatus;
  detail?: string;
  batch?: number;
}

export interface ApprovalAttempt {
  by: string;
  allowed: boolean;
  reasons: string[];
}

/** What the `progress` query answers. */
export interface DeploymentProgress {
  step: DeploymentStep;
  requester: string;
  templateId: string;
  change?: { sysId: string; number: string };
  incident?: { sysId: string; number: string };
  approvedBy?: string;
  approvals: ApprovalAttempt[];
  batchesTotal: number;
  batchesDone: number;
  devices: Record<string, DeviceProgress>;
  /** Why the deployment did not complete. */
  reason?: string;
}

/** The workflow's result. */
export interface DeploymentResult {
  outcome: 'succeeded' | 'rolled_back' | 'cancelled' | 'rejected' | 'failed';
  progress: DeploymentProgress;
}

/** Payload of the `approve` signal. */
export interface ApproveSignal {
  approver: Identity;
  comment?: string;
}

/** Payload of the `reject` and `cancel` signals. */
export interface StopSignal {
  by: Identity;
  reason: string;
}
