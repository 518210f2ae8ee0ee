/**
 * Types shared by the deployment workflow, its activities and its clients
 * (CLI, MCP tools). Plain data only: this module is bundled into the
 * deterministic workflow sandbox.
 */

/** The Temporal workflow type name clients start. */
export const DEPLOYMENT_WORKFLOW_TYPE = 'templateDeploymentWorkflow';

/** The task queue the worker polls by default. */
export const DEFAULT_TASK_QUEUE = 'template-deployments';

/** The standard-change template pre-approved deployments are raised from (`SERVICENOW_STANDARD_CHANGE_TEMPLATE`). */
export const DEFAULT_STANDARD_CHANGE_TEMPLATE = 'std-catalyst-template-deployment';

/**
 * Who asked for, approved or cancelled something — always the result of the worker verifying a
 * credential ({@link VerifiedIdentity}), never a name taken from a payload.
 */
export interface Identity {
  id: string;
  groups: string[];
}

/**
 * What the worker learnt from a credential it verified: the person (`sub`, groups), the OAuth
 * client that obtained the token and the actor of a token exchange (e.g. mcp-network).
 */
export interface VerifiedIdentity extends Identity {
  clientId: string;
  actorId?: string;
}

/**
 * A person's credential for the worker: an OAuth access token whose audience is the worker
 * (`DEPLOY_WORKER_AUDIENCE`), short-lived and single-use — obtained by the operator CLI's login or by
 * mcp-network exchanging the caller's token (RFC 8693). The worker verifies it against the IdP's JWKS.
 */
export type Credential = string;

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
  /** The requester's credential; the workflow verifies it before anything else and decides on the verified subject. */
  credential?: Credential;
  /**
   * LEGACY (workflows started before the `verified-identities` patch only): a name taken from the
   * payload. Ignored by the current code, which decides on the verified `credential`.
   */
  requester?: Identity;
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
  /**
   * What happens when more devices fail than `failureThreshold`: `rollback` (default) rolls back at
   * once; `ask` pauses the deployment (step `awaiting_input`, {@link DeploymentProgress.input}) until
   * the requester answers with the `respond` Update — `continue` (accept the failures so far and go
   * on) or `rollback` — or `inputTimeoutMs` passes (then: rollback).
   */
  onBatchFailure?: 'rollback' | 'ask';
  /** How long an `ask` (or a CORE plan confirmation) waits for the requester's answer, in ms. Default 3600000 (1 h). */
  inputTimeoutMs?: number;
  /**
   * When CORE devices are among the targets: before the change is opened, the deployment asks its
   * requester to confirm the plan (step `awaiting_input`, question `core-plan`, choices `continue` /
   * `cancel`; no answer within `inputTimeoutMs` = cancel). Set by mcp-network for task callers.
   */
  confirmCorePlan?: boolean;
  /**
   * `normal` (default): a normal change, deployed after a four-eyes approval. `standard`: a
   * pre-approved standard change for a direct template deployment (mcp-network's multi-device
   * `deploy_template` as a task) — opened as a ServiceNow standard change and deployed without
   * waiting for an approver. The policy decides with `arguments.change_type` (deploy.rego: a
   * standard change may not touch CORE devices; those need four-eyes).
   */
  changeType?: ChangeType;
  /** Push even if Catalyst Center believes a device already has this configuration (`forcePushTemplate`). Default false. */
  forcePush?: boolean;
}

/** ServiceNow change types a deployment opens: four-eyes (`normal`) or pre-approved (`standard`). */
export type ChangeType = 'normal' | 'standard';

/** A request after the workflow verified its credential: what activities get (no credential, a verified requester). */
export type VerifiedRequest = Omit<DeploymentRequest, 'credential' | 'requester'> & { requester: Identity };

export type DeploymentStep =
  | 'validating'
  | 'opening_change'
  | 'awaiting_approval'
  | 'deploying'
  | 'awaiting_input'
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
  /**
   * Whose approval counts (workflows with the `approval-records` patch): `by` when this attempt's
   * decision was recorded on the change, or the approver whose decision was recorded first — two
   * approvers at the same moment get the same answer. Absent when nothing was approved.
   */
  approvedBy?: string;
}

/** What the `progress` query answers. */
export interface DeploymentProgress {
  step: DeploymentStep;
  /** The verified requester (empty until the start credential is verified). */
  requester: string;
  templateId: string;
  change?: { sysId: string; number: string };
  incident?: { sysId: string; number: string };
  approvedBy?: string;
  /** The comment of the approval that counted. */
  approvalComment?: string;
  approvals: ApprovalAttempt[];
  batchesTotal: number;
  batchesDone: number;
  devices: Record<string, DeviceProgress>;
  /** Why the deployment did not complete. */
  reason?: string;
  /** When the step or batch count last changed (workflow time, ISO 8601); absent in workflows started before it was added. */
  updatedAt?: string;
  /** `standard` when the deployment is a pre-approved standard change (no approval step); absent for normal changes. */
  changeType?: 'standard';
  /** The question the deployment waits on while `awaiting_input` (only the requester answers it). */
  input?: InputRequest;
  /** Answers the requester gave, in order. */
  answers?: InputVerdict[];
}

/**
 * Where a deployment is, in a few fields: what the workflow keeps in its memo (key `progress`,
 * `upsertMemo`, workflows started with the `progress-memo` patch) so that `describe()` answers it
 * without a worker — every MCP replica shows the real step while all workers are down.
 */
export interface DeploymentSummary {
  step: DeploymentStep;
  /** The verified requester (empty until the start credential is verified). */
  requester: string;
  /** The change request's number, once opened. */
  change?: string;
  /** Who approved (the approval that counted). */
  approvedBy?: string;
  /** Approval attempts the workflow refused (four-eyes, policy). */
  approvalsRefused: number;
  batchesTotal: number;
  batchesDone: number;
  devicesTotal: number;
  /** Devices deployed or verified. */
  devicesDone: number;
  /** Devices failed (deploy, verification or rollback). */
  devicesFailed: number;
  /** Why the deployment did not complete. */
  reason?: string;
  /** The question the deployment waits on while `awaiting_input`. */
  input?: InputRequest;
  changeType?: 'standard';
  /** Workflow time of the last change (ISO 8601). */
  updatedAt?: string;
}

/** A decision the workflow asks its requester for (`onBatchFailure: 'ask'`, `confirmCorePlan`). */
export interface InputRequest {
  /** Unique over the workflow's life, e.g. `batch-1-failed`, `core-plan`. */
  id: string;
  kind: 'batch_failure' | 'core_plan';
  /** What happened and what is asked, for a person or a model. */
  message: string;
  choices: InputDecision[];
  /** What happens when nobody answers within the input timeout. */
  onTimeout: InputDecision;
}

/** `continue` goes on; `rollback` restores what was deployed (after a failed batch); `cancel` stops before anything is opened or deployed. */
export type InputDecision = 'continue' | 'rollback' | 'cancel';

/** Argument of the `respond` Update: the requester's credential and their decision on `inputId`. */
export interface RespondUpdate {
  credential: Credential;
  inputId: string;
  decision: InputDecision;
}

/** What the `respond` Update answers (and what `progress.answers` records). */
export interface InputVerdict {
  by: string;
  inputId: string;
  decision: InputDecision;
}

/** The workflow's result. */
export interface DeploymentResult {
  outcome: 'succeeded' | 'rolled_back' | 'cancelled' | 'rejected' | 'failed';
  progress: DeploymentProgress;
}

/** LEGACY payload of the `approve` signal (workflows started before the `verified-identities` patch). */
export interface ApproveSignal {
  approver: Identity;
  comment?: string;
}

/** LEGACY payload of the `reject` and `cancel` signals. */
export interface StopSignal {
  by: Identity;
  reason: string;
}

/** Argument of the `approve` Update: the approver's credential (verified by the worker). */
export interface ApproveUpdate {
  credential: Credential;
  comment?: string;
}

/** Argument of the `reject` and `cancel` Updates. */
export interface StopUpdate {
  credential: Credential;
  reason: string;
}

/** What the `reject` and `cancel` Updates answer. */
export interface StopVerdict {
  by: string;
  kind: 'rejected' | 'cancelled';
}
