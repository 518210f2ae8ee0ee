import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { isPlatformErrorCode, PlatformError, type PlatformErrorCode } from '@mcp-platform/mcp-common/errors';
import { UpstreamUnavailableError } from '@mcp-platform/mcp-common/resilience';
import { approveUpdate, cancelUpdate, progressQuery, rejectUpdate, respondUpdate } from './definitions.ts';
import { summarize } from './summary.ts';
import {
  DEPLOYMENT_WORKFLOW_TYPE,
  type ApprovalAttempt,
  type Credential,
  type DeploymentProgress,
  type DeploymentRequest,
  type DeploymentResult,
  type DeploymentSummary,
  type InputDecision,
  type InputVerdict,
  type StopVerdict,
} from './types.ts';

/** A deployment as operators see it. */
export interface DeploymentStatusView {
  workflowId: string;
  status: WorkflowExecutionStatusName;
  /** The Temporal workflow type (only `templateDeploymentWorkflow` is a deployment). */
  workflowType: string;
  /** ISO 8601. */
  startTime: string;
  /** ISO 8601, once closed. */
  closeTime: string | null;
  progress: DeploymentProgress | null;
  /**
   * Where the deployment is, in a few fields: from `progress` when there is one, else from the
   * workflow's memo (kept by the workflow itself, read with `describe()` — no worker needed).
   * Null for workflows started before the `progress-memo` patch while no worker answers.
   */
  summary: DeploymentSummary | null;
  result: DeploymentResult | null;
  /** Why the workflow failed (status FAILED), e.g. a validation failure. */
  failure: string | null;
  /** The failure's platform error code (e.g. `ERR_VALIDATION`, `ERR_AUTHZ_DENIED`), when the workflow named one. */
  failureCode: PlatformErrorCode | null;
  /** Whose deployment it is (the verified requester, kept in the workflow's memo): known even when `progress` is not. */
  requester: string | null;
  /**
   * Why `progress` is null while the workflow runs: no deploy worker answered the progress query
   * within {@link PROGRESS_QUERY_TIMEOUT_MS} (all workers down or restarting), or the caller asked
   * for the memo only (`{ summaryOnly: true }`). The deployment is safe in Temporal and goes on
   * when a worker polls again; `summary` still says where it is.
   */
  progressUnavailable: string | null;
}

/** How long `status` waits for a worker to answer the progress query, in ms. */
export const PROGRESS_QUERY_TIMEOUT_MS = 5_000;

/** Deadline of one call to the Temporal frontend (start, describe), in ms: an unreachable or hung Temporal is an answer within it. */
export const TEMPORAL_RPC_TIMEOUT_MS = 5_000;

/** gRPC `UNAVAILABLE` and `DEADLINE_EXCEEDED`: Temporal down, hung or unreachable. */
const UNREACHABLE_GRPC_CODES = new Set([14, 4]);

/**
 * Temporal unreachable (refused, hung past the deadline) as the platform's retryable
 * `ERR_UPSTREAM_UNAVAILABLE` (upstream `temporal`); anything else unchanged.
 */
function temporalFailure(err: unknown): unknown {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (UNREACHABLE_GRPC_CODES.has((e as { code?: unknown }).code as number)) return new UpstreamUnavailableError('temporal', { cause: err });
  }
  return err;
}

/**
 * Why the workflow refused an approve/reject/cancel, in the platform's error vocabulary: a refused
 * credential (`ERR_TOKEN_EXPIRED`, `ERR_TOKEN_AUDIENCE`, `ERR_CREDENTIAL_REPLAYED`…), the policy
 * (`ERR_AUTHZ_DENIED`), the workflow's state (`ERR_WORKFLOW_STATE`: not awaiting approval, past
 * the point of stopping, closed) or a malformed request (`ERR_VALIDATION`). A `PlatformError`, so
 * tools that let it through answer with its code.
 */
export class DeploymentActionRefusedError extends PlatformError {
  constructor(code: PlatformErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A deployment start whose idempotency key already names a deployment of a different request
 * (`ERR_VALIDATION`, not retryable): nothing was started. Send the same arguments again to get that
 * deployment, or use a new key for a new one.
 */
export class IdempotencyConflictError extends PlatformError {
  /** The deployment the key already names. */
  readonly workflowId: string;
  constructor(workflowId: string) {
    super('ERR_VALIDATION', `idempotency key already used for a different deployment request (${workflowId}); nothing was started`);
    this.workflowId = workflowId;
  }
}

/** Throws {@link IdempotencyConflictError} unless the workflow's memo records the same request. */
function assertSameRequest(workflowId: string, memo: Record<string, unknown>, requestHash: string): void {
  if (memo['requestHash'] !== requestHash) throw new IdempotencyConflictError(workflowId);
}

/** The innermost `ERR_*` reason in a failure's cause chain (an activity's refusal arrives wrapped in an ActivityFailure). */
function reasonOf(err: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.type?.startsWith('ERR_')) found = e;
  }
  return found;
}

/**
 * Turns a failed Update into a {@link DeploymentActionRefusedError}: the worker's reason code, or
 * `ERR_VALIDATION` for a validator's other rejections, or `ERR_WORKFLOW_STATE` when the workflow has closed.
 */
async function refused(err: unknown, workflowId: string, client: Client): Promise<never> {
  if (err instanceof WorkflowUpdateFailedError) {
    const reason = reasonOf(err);
    if (reason !== undefined) throw new DeploymentActionRefusedError(isPlatformErrorCode(reason.type) ? reason.type : 'ERR_VALIDATION', reason.message, { cause: err });
    throw new DeploymentActionRefusedError('ERR_VALIDATION', err.cause?.message ?? err.message, { cause: err });
  }
  const status = await client.withDeadline(Date.now() + TEMPORAL_RPC_TIMEOUT_MS, () => client.workflow.getHandle(workflowId).describe()).then((d) => d.status.name, () => undefined);
  if (status !== undefined && status !== 'RUNNING') throw new DeploymentActionRefusedError('ERR_WORKFLOW_STATE', `deployment ${workflowId} is not running (${status})`, { cause: err });
  throw temporalFailure(err);
}

/**
 * Operator and agent entry points over a Temporal client: start, approve, reject, cancel, status, list.
 * Every action carries the acting person's credential (an access token for the worker's audience);
 * the worker verifies it — nothing here names a user.
 *
 * @example
 * ```ts
 * const deployments = createDeploymentClient(await connectClient(config), config.TEMPORAL_TASK_QUEUE);
 * const id = await deployments.start({ templateId, deviceIds, params, credential: ninaToken });
 * const verdict = await deployments.approve(id, aliceToken);
 * ```
 */
export function createDeploymentClient(client: Client, taskQueue: string) {
  const handle = (workflowId: string) => client.workflow.getHandle(workflowId);
  /** One frontend call under {@link TEMPORAL_RPC_TIMEOUT_MS} (the SDK would otherwise retry an unreachable server for long). */
  const rpc = <T>(fn: () => Promise<T>): Promise<T> =>
    client.withDeadline(Date.now() + TEMPORAL_RPC_TIMEOUT_MS, fn).catch((err: unknown) => {
      throw temporalFailure(err);
    });
  /** Waits until the workflow verified the requester's credential, closed, or `verifyTimeoutMs` (default 15000) passed. */
  const untilVerified = async (workflowId: string, verifyTimeoutMs = 15_000): Promise<void> => {
    const h = handle(workflowId);
    const deadline = Date.now() + verifyTimeoutMs;
    for (;;) {
      const progress = await client.withDeadline(Date.now() + 2_000, () => h.query(progressQuery)).catch(() => undefined);
      if (progress !== undefined && progress.requester !== '') return;
      const running = await rpc(() => h.describe()).then(
        (d) => d.status.name === 'RUNNING',
        () => true,
      );
      if (!running || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    /**
     * Starts a deployment; returns its workflow id (`deploy-<uuid>` unless given) once the workflow
     * verified the requester's credential (or closed, e.g. refusing it) — so that whoever asks next
     * sees whose deployment it is. The requester is whoever `request.credential` verifies as.
     * `verifyTimeoutMs` (default 15000) bounds that wait: when no worker verified it by then (all
     * workers down or restarting), the id is returned all the same — the workflow exists in Temporal
     * and runs (verifying the credential first) when a worker polls again; answering an error here
     * would report a write as failed after it happened. Temporal unreachable: `UpstreamUnavailableError`
     * (`temporal`, retryable) within {@link TEMPORAL_RPC_TIMEOUT_MS}.
     */
    async start(request: DeploymentRequest, options: { workflowId?: string; verifyTimeoutMs?: number } = {}): Promise<string> {
      const workflowId = options.workflowId ?? `deploy-${randomUUID()}`;
      await rpc(() =>
        client.workflow.start(DEPLOYMENT_WORKFLOW_TYPE, {
          taskQueue,
          workflowId,
          args: [request],
          memo: { templateId: request.templateId, devices: request.deviceIds.length },
        }),
      );
      await untilVerified(workflowId, options.verifyTimeoutMs);
      return workflowId;
    },

    /**
     * Starts a deployment at most once per idempotency key: `workflowId` is derived by the caller from
     * its idempotency key (and whose key it is), `requestHash` from the request's arguments. Temporal
     * makes it atomic — `WorkflowIdConflictPolicy.USE_EXISTING` (a running workflow with this id is
     * returned, not started again) and `WorkflowIdReusePolicy.REJECT_DUPLICATE` (a closed one is not
     * started again either) — so concurrent identical starts on any number of replicas yield one
     * workflow and every one of them answers its id; `created` is true for the one call that started
     * it. `earlierIds` are looked up first (an earlier time window of a generated key). A workflow
     * with this id from a different request (another `requestHash`, or none) is refused with
     * {@link IdempotencyConflictError} and nothing is started. Waits for the credential's verification
     * like {@link start}.
     */
    async startOnce(
      request: DeploymentRequest,
      options: { workflowId: string; requestHash: string; earlierIds?: readonly string[]; verifyTimeoutMs?: number },
    ): Promise<{ workflowId: string; created: boolean }> {
      for (const earlier of options.earlierIds ?? []) {
        const memo = await rpc(() => handle(earlier).describe()).then(
          (d) => d.memo ?? {},
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return undefined;
            throw err;
          },
        );
        if (memo === undefined) continue;
        assertSameRequest(earlier, memo, options.requestHash);
        await untilVerified(earlier, options.verifyTimeoutMs);
        return { workflowId: earlier, created: false };
      }
      const startId = randomUUID();
      await rpc(() =>
        client.workflow.start(DEPLOYMENT_WORKFLOW_TYPE, {
          taskQueue,
          workflowId: options.workflowId,
          args: [request],
          memo: { templateId: request.templateId, devices: request.deviceIds.length, requestHash: options.requestHash, startId },
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      ).catch((err: unknown) => {
        // REJECT_DUPLICATE: a closed workflow holds the id — the answer is that workflow.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
      const memo = (await rpc(() => handle(options.workflowId).describe())).memo ?? {};
      assertSameRequest(options.workflowId, memo, options.requestHash);
      await untilVerified(options.workflowId, options.verifyTimeoutMs);
      return { workflowId: options.workflowId, created: memo['startId'] === startId };
    },

    /**
     * Approves as the person `credential` verifies as (a Workflow Update): answers the workflow's
     * four-eyes verdict. Throws {@link DeploymentActionRefusedError} when the credential is refused
     * or the deployment is not awaiting approval.
     */
    async approve(workflowId: string, credential: Credential, options: { comment?: string } = {}): Promise<ApprovalAttempt> {
      return handle(workflowId)
        .executeUpdate(approveUpdate, { args: [{ credential, ...(options.comment ? { comment: options.comment } : {}) }] })
        .catch((err: unknown) => refused(err, workflowId, client));
    },

    /** Rejects (approvers only) as the person `credential` verifies as; the change is cancelled. */
    async reject(workflowId: string, credential: Credential, reason: string): Promise<StopVerdict> {
      return handle(workflowId).executeUpdate(rejectUpdate, { args: [{ credential, reason }] }).catch((err: unknown) => refused(err, workflowId, client));
    },

    /** Cancels (the requester, or an approver) as the person `credential` verifies as; deployed batches are rolled back. */
    async cancel(workflowId: string, credential: Credential, reason: string): Promise<StopVerdict> {
      return handle(workflowId).executeUpdate(cancelUpdate, { args: [{ credential, reason }] }).catch((err: unknown) => refused(err, workflowId, client));
    },

    /**
     * Answers the deployment's question (`progress.input`, step `awaiting_input`) as the person
     * `credential` verifies as — the requester only. Throws {@link DeploymentActionRefusedError}
     * (`ERR_AUTHZ_DENIED` for anyone else, `ERR_WORKFLOW_STATE` when that question is not open).
     */
    async respond(workflowId: string, credential: Credential, inputId: string, decision: InputDecision): Promise<InputVerdict> {
      return handle(workflowId).executeUpdate(respondUpdate, { args: [{ credential, inputId, decision }] }).catch((err: unknown) => refused(err, workflowId, client));
    },

    /**
     * The deployment's status. `summaryOnly: true` answers a running deployment from its memo alone
     * (`summary`; no progress query, so no wait for a worker) when the workflow keeps one.
     */
    async status(workflowId: string, options: { summaryOnly?: boolean } = {}): Promise<DeploymentStatusView> {
      const h = handle(workflowId);
      const description = await rpc(() => h.describe());
      const memoSummary = asSummary(description.memo?.['progress']);
      const status = description.status.name;
      let result: DeploymentResult | null = null;
      let failure: string | null = null;
      let failureCode: PlatformErrorCode | null = null;
      if (status === 'COMPLETED') result = (await h.result()) as DeploymentResult;
      if (status === 'FAILED') {
        const err = await h.result().then(() => undefined, (e: unknown) => e as Error);
        const reason = reasonOf(err);
        failure = reason?.message ?? (err?.cause as Error | undefined)?.message ?? err?.message ?? null;
        const type = reason?.type;
        failureCode = isPlatformErrorCode(type) ? type : null;
      }
      let progress: DeploymentProgress | null = result?.progress ?? null;
      let progressUnavailable: string | null = null;
      if (progress === null && status === 'RUNNING' && options.summaryOnly === true && memoSummary !== null) {
        progressUnavailable = 'summary only (from the workflow memo)';
      } else if (progress === null && status === 'RUNNING') {
        // A query needs a polling worker: with none (crashed, restarting) the answer is the memo's summary, or "step unknown", not an error.
        progress = await client.withDeadline(Date.now() + PROGRESS_QUERY_TIMEOUT_MS, () => h.query(progressQuery)).catch(() => {
          progressUnavailable = 'no deploy worker answered the progress query';
          return null;
        });
      }
      const memoRequester = description.memo?.['requester'];
      return {
        workflowId,
        status,
        workflowType: description.type,
        startTime: description.startTime.toISOString(),
        closeTime: description.closeTime?.toISOString() ?? null,
        progress,
        summary: progress !== null ? summarize(progress) : memoSummary,
        result,
        failure,
        failureCode,
        requester: progress !== null && progress.requester !== '' ? progress.requester : typeof memoRequester === 'string' && memoRequester !== '' ? memoRequester : null,
        progressUnavailable,
      };
    },

    /** The most recent deployments (newest first), `limit` default 20. */
    async list(options: { limit?: number } = {}): Promise<{ workflowId: string; status: WorkflowExecutionStatusName; startTime: string; requester: string }[]> {
      const out: { workflowId: string; status: WorkflowExecutionStatusName; startTime: string; requester: string }[] = [];
      for await (const wf of client.workflow.list({ query: `WorkflowType = '${DEPLOYMENT_WORKFLOW_TYPE}'` })) {
        out.push({ workflowId: wf.workflowId, status: wf.status.name, startTime: wf.startTime.toISOString(), requester: String(wf.memo?.['requester'] ?? '') });
        if (out.length >= (options.limit ?? 20)) break;
      }
      return out;
    },

    /** Closes the underlying Temporal connection. */
    close: (): Promise<void> => client.connection.close(),

    /** Waits for the workflow's result. */
    result: (workflowId: string): Promise<DeploymentResult> => handle(workflowId).result() as Promise<DeploymentResult>,
  };
}

export type DeploymentClient = ReturnType<typeof createDeploymentClient>;

/** The memo's `progress` when it has the shape the workflow writes (a memo is data from Temporal: checked, not trusted blindly). */
function asSummary(value: unknown): DeploymentSummary | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Partial<DeploymentSummary>;
  const counts = [v.approvalsRefused, v.batchesTotal, v.batchesDone, v.devicesTotal, v.devicesDone, v.devicesFailed];
  if (typeof v.step !== 'string' || typeof v.requester !== 'string' || !counts.every((n) => typeof n === 'number')) return null;
  return v as DeploymentSummary;
}
