import type { Context as ActivityContext } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { PlatformMetrics } from '@mcp-platform/mcp-common/metrics';
import { ATTR, errorType, inSpan } from '@mcp-platform/mcp-common/telemetry';

/**
 * The worker's activity interceptor: every activity execution is an `activity <type>` span with the
 * platform's attributes (beneath Temporal's `RunActivity:<type>` span, workflow-telemetry.ts; the
 * upstream, secret and policy spans of its work are its children) and is counted in
 * `mcp_workflow_activities_total{activity,outcome}` and
 * `mcp_workflow_activity_duration_seconds{activity}`; outcome is `success` or the error's
 * platform code (`ERR_UPSTREAM_TIMEOUT`…) or class (`ApplicationFailure`).
 *
 * @example
 * ```ts
 * Worker.create({ ..., interceptors: { activity: [activityTelemetry(metrics)] } });
 * ```
 */
export function activityTelemetry(metrics: Pick<PlatformMetrics, 'workflowActivities' | 'workflowActivityDuration'>): ActivityInterceptorsFactory {
  return (ctx: ActivityContext) => ({
    inbound: {
      execute: async (input, next) => {
        const activity = ctx.info.activityType;
        const started = process.hrtime.bigint();
        let outcome = 'success';
        try {
          return await inSpan(
            `activity ${activity}`,
            {
              attributes: {
                'temporal.activity.type': activity,
                'temporal.workflow.type': ctx.info.workflowType ?? '',
                'temporal.workflow.id': ctx.info.workflowExecution?.workflowId ?? '',
                'temporal.activity.attempt': ctx.info.attempt,
                [ATTR.SERVER]: 'deploy-worker',
              },
            },
            () => next(input),
          );
        } catch (err) {
          outcome = errorType(err);
          throw err;
        } finally {
          metrics.workflowActivities.inc({ activity, outcome });
          metrics.workflowActivityDuration.observe({ activity }, Number(process.hrtime.bigint() - started) / 1e9);
        }
      },
    },
  });
}
