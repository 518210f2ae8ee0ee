import { DEPLOYMENT_WORKFLOW_TYPE, type DeploymentClient, type DeploymentStatusView, type InputDecision, type InputRequest } from '@mcp-platform/deployment-contract';
import { isPlatformError, PlatformError, type PlatformErrorCode } from '@mcp-platform/mcp-common/errors';
import { ERROR_META_KEY, type TaskBackend, type TaskState } from '@mcp-platform/mcp-common/server';

/** How often clients should poll a deployment task, in ms. */
const POLL_INTERVAL_MS = 2_000;

/**
 * How far a deployment got, in units that only grow: validate, open the change, approval, one per
 * batch, verify, close.
 *
 * @example
 * ```ts
 * const { done, total } = progressOf(view); // e.g. 4 of 7 while the second of two batches deploys
 * ```
 */
export function progressOf(view: DeploymentStatusView): { done: number; total: number } {
  const p = view.summary;
  const batches = p?.batchesTotal ?? 0;
  const total = 5 + batches;
  if (view.status !== 'RUNNING') return { done: total, total };
  const byStep: Record<string, number> = { validating: 0, opening_change: 1, awaiting_approval: 2, deploying: 3 + (p?.batchesDone ?? 0), awaiting_input: 3 + (p?.batchesDone ?? 0), verifying: 3 + batches, closing_change: 4 + batches, rolling_back: 3 + (p?.batchesDone ?? 0) };
  return { done: byStep[p?.step ?? 'validating'] ?? 0, total };
}

/**
 * A short, model-readable line for where a deployment is (step, batch n of m, devices done/failed,
 * whom it waits for) — from the summary the workflow keeps in its memo, so it is known while no
 * worker runs.
 */
export function statusMessage(view: DeploymentStatusView): string {
  const p = view.summary;
  if (p === null && view.progressUnavailable !== null) return `running; current step unknown: ${view.progressUnavailable} (the deployment is kept by Temporal and goes on when a worker polls again)`;
  if (p === null) return `deployment ${view.workflowId} is ${view.status.toLowerCase()}`;
  const { devicesDone: done, devicesFailed: failed } = p;
  switch (p.step) {
    case 'validating':
      return 'validating the template, parameters, devices and your permission';
    case 'opening_change':
      return 'opening the change request';
    case 'awaiting_approval': {
      const refused = p.approvalsRefused;
      return `waiting for approval by a second person in admin or change-approvers on change ${p.change ?? '?'}${refused > 0 ? ` (${refused} approval attempt(s) refused)` : ''}`;
    }
    case 'deploying':
      return `deploying: batch ${Math.min(p.batchesDone + 1, p.batchesTotal)} of ${p.batchesTotal}; ${done} of ${p.devicesTotal} device(s) done, ${failed} failed`;
    case 'awaiting_input':
      return `waiting for ${p.requester}'s decision: ${p.input?.message ?? 'continue or roll back'}`;
    case 'verifying':
      return `verifying ${p.devicesTotal} device(s)`;
    case 'closing_change':
      return `closing change ${p.change ?? '?'}`;
    case 'rolling_back':
      return `rolling back after: ${p.reason ?? 'a failure'}`;
    default:
      return `deployment ${p.step}${p.reason ? `: ${p.reason}` : ''}`;
  }
}

/**
 * The tool result a finished deployment task carries (the same facts get_deployment_workflow gives).
 * An unsuccessful one is `isError` with the platform error code in `_meta` like any failed tool call:
 * the workflow's own code (`ERR_VALIDATION`, `ERR_AUTHZ_DENIED`…) or `ERR_TOOL_FAILED` for a
 * business outcome (rolled back, rejected, approval timed out).
 */
function finalResult(view: DeploymentStatusView, errorCode: PlatformErrorCode | undefined, text: string): NonNullable<TaskState['result']> {
  const p = view.progress;
  return {
    content: [{ type: 'text', text }],
    structuredContent: {
      workflowId: view.workflowId,
      outcome: view.result?.outcome ?? 'failed',
      change: p?.change ?? null,
      incident: p?.incident ?? null,
      approvedBy: p?.approvedBy ?? null,
      reason: p?.reason ?? view.failure ?? null,
      devices: Object.entries(p?.devices ?? {}).map(([deviceId, d]) => ({ deviceId, status: d.status })),
    },
    ...(errorCode === undefined ? {} : { isError: true, _meta: { [ERROR_META_KEY]: { code: errorCode, retryable: false } } }),
  };
}

const CHOICE_MEANING: Record<InputDecision, string> = {
  continue: 'go on with the deployment',
  rollback: 'restore what was deployed and stop',
  cancel: 'stop before anything is opened or deployed',
};

/**
 * The elicitation (`elicitation/create`, form mode) that carries a deployment's question to the
 * requester: one required `decision` out of the question's choices.
 */
export function elicitation(question: InputRequest): { method: string; params: Record<string, unknown> } {
  return {
    method: 'elicitation/create',
    params: {
      mode: 'form',
      message: question.message,
      requestedSchema: {
        type: 'object',
        properties: {
          decision: {
            type: 'string',
            title: 'Decision',
            description: `${question.choices.map((c) => `${c}: ${CHOICE_MEANING[c]}`).join('; ')}. No answer in time: ${question.onTimeout}.`,
            enum: question.choices,
          },
        },
        required: ['decision'],
      },
    },
  };
}

/** The decision in an elicitation answer: `accept` with a valid choice; `decline`/`cancel` choose the safe side (the question's `onTimeout`). */
function decisionOf(response: unknown, question: InputRequest): InputDecision | undefined {
  const r = response as { action?: unknown; content?: { decision?: unknown } } | null;
  if (r === null || typeof r !== 'object') return undefined;
  if (r.action === 'decline' || r.action === 'cancel') return question.onTimeout;
  if (r.action !== 'accept') return undefined;
  const d = r.content?.decision;
  return typeof d === 'string' && (question.choices as string[]).includes(d) ? (d as InputDecision) : undefined;
}

/**
 * Maps a deployment workflow onto a SEP-2663 task: running → `working` with a status message
 * (step, batch n of m, devices done/failed, whom it waits for); succeeded → `completed` with the
 * final result; rolled back / rejected / failed validation → `completed` with an `isError` result
 * (business outcomes, not protocol errors); cancelled → `cancelled`; terminated or timed out → `failed`.
 *
 * @example
 * ```ts
 * const task = toTask(await deployments.status(id));
 * ```
 */
export function toTask(view: DeploymentStatusView): TaskState {
  const base = {
    createdAt: view.startTime,
    lastUpdatedAt: view.closeTime ?? view.summary?.updatedAt ?? view.startTime,
    ttlMs: null,
    pollIntervalMs: POLL_INTERVAL_MS,
  };
  const question = view.summary?.input;
  if (view.status === 'RUNNING' && view.summary?.step === 'awaiting_input' && question !== undefined) {
    return { ...base, status: 'input_required', statusMessage: statusMessage(view), inputRequests: { [question.id]: elicitation(question) } };
  }
  if (view.status === 'RUNNING' || view.status === 'CONTINUED_AS_NEW') return { ...base, status: 'working', statusMessage: statusMessage(view) };
  if (view.status === 'COMPLETED' && view.result !== null) {
    const outcome = view.result.outcome;
    const reason = view.result.progress.reason;
    if (outcome === 'succeeded') {
      const change = view.result.progress.change?.number;
      return { ...base, status: 'completed', statusMessage: `deployed and verified${change ? `; change ${change} closed` : ''}`, result: finalResult(view, undefined, `Deployment ${view.workflowId} succeeded${change ? `; change ${change} closed successful` : ''}.`) };
    }
    if (outcome === 'cancelled') return { ...base, status: 'cancelled', statusMessage: reason ?? 'cancelled' };
    return { ...base, status: 'completed', statusMessage: `${outcome}: ${reason ?? ''}`.trim(), result: finalResult(view, 'ERR_TOOL_FAILED', `Deployment ${view.workflowId} ${outcome.replace('_', ' ')}: ${reason ?? 'see the change request'}.`) };
  }
  if (view.status === 'FAILED') {
    return { ...base, status: 'completed', statusMessage: `failed: ${view.failure ?? 'unknown error'}`, result: finalResult(view, view.failureCode ?? 'ERR_TOOL_FAILED', `Deployment ${view.workflowId} failed: ${view.failure ?? 'unknown error'}.`) };
  }
  if (view.status === 'CANCELLED') return { ...base, status: 'cancelled', statusMessage: 'the workflow was cancelled' };
  return { ...base, status: 'failed', statusMessage: `the workflow ${view.status.toLowerCase().replace('_', ' ')}`, error: { code: -32603, message: `deployment workflow ${view.status.toLowerCase()}`, data: { [ERROR_META_KEY]: { code: 'ERR_INTERNAL', retryable: false } } } };
}

/**
 * The deployment workflows as mcp-network's tasks (SEP-2663): task id = workflow id. Nothing is
 * kept in this process — every `tasks/get` reads Temporal, so any replica answers for any task and
 * tasks survive restarts of every server and worker. `tasks/cancel` cancels the workflow with the
 * caller's credential (the workflow decides, and compensates: deployed batches are rolled back).
 *
 * @example
 * ```ts
 * bootstrapServer({ …, tasks: (deps) => deps.deployments && createDeploymentTaskBackend(deps.deployments, deps.workerAudience) });
 * ```
 */
export function createDeploymentTaskBackend(deployments: DeploymentClient, workerAudience: string): TaskBackend {
  return {
    async get(taskId) {
      let view: DeploymentStatusView;
      try {
        // The memo's summary is enough for a task (and needs no worker); terminal tasks read the result from history.
        view = await deployments.status(taskId, { summaryOnly: true });
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
        throw err;
      }
      // Only deployments are tasks (not the worker's credential ledger or other workflows).
      if (view.workflowType !== DEPLOYMENT_WORKFLOW_TYPE) return undefined;
      return { task: toTask(view), resource: { requester: view.requester ?? '', kind: 'deployment' } };
    },
    async cancel(taskId, caller) {
      // Cooperative (SEP-2663): a deployment past the point of stopping is acknowledged and finishes on its own.
      await deployments.cancel(taskId, await caller.delegate(workerAudience), `cancelled by ${caller.principal.id} (tasks/cancel)`).catch((err: unknown) => {
        if (isPlatformError(err, 'ERR_WORKFLOW_STATE')) return;
        throw err;
      });
    },
    // Answers to the open question go to the workflow as the caller (respond Update, verified by the worker);
    // keys of questions that are not open are ignored, as SEP-2663 says.
    async update(taskId, inputResponses, caller) {
      const view = await deployments.status(taskId, { summaryOnly: true });
      const question = view.summary?.input;
      if (question === undefined || !Object.hasOwn(inputResponses, question.id)) return;
      const decision = decisionOf(inputResponses[question.id], question);
      if (decision === undefined) throw new PlatformError('ERR_VALIDATION', `inputResponses.${question.id} must accept with content.decision one of ${question.choices.join(', ')}, or decline`);
      await deployments.respond(taskId, await caller.delegate(workerAudience), question.id, decision).catch((err: unknown) => {
        // Answered meanwhile (another replica, a retry): the question is no longer open.
        if (isPlatformError(err, 'ERR_WORKFLOW_STATE')) return;
        throw err;
      });
    },
  };
}
