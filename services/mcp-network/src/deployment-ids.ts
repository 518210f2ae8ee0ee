import { createHash } from 'node:crypto';
import { idempotencyKeys } from '@mcp-platform/mcp-common/server';

/** The workflow ids a durable deployment may resolve to (see {@link deploymentIds}). */
export interface DeploymentIds {
  /** The id to start (or find) the workflow under. */
  workflowId: string;
  /** Ids of the previous time window of a generated key, looked up first. */
  earlierIds: string[];
  /** Fingerprint of the principal and the arguments (without the caller's key). */
  requestHash: string;
}

/**
 * The workflow ids a durable deployment started by `tool` may resolve to, from the caller's
 * idempotency key and who the caller is: a given `correlation_id` → `deploy-key-<sha256(principal, key)>`
 * (one id forever; another principal's same key is another id); none → `deploy-auto-<hash of principal,
 * tool and arguments>-<10-minute window>` (`idempotencyKeys` of the spine), the previous window's id
 * looked up first. `requestHash` fingerprints the arguments (without the key) and the principal, so a
 * key reused for a different request is recognised.
 *
 * @example
 * ```ts
 * const ids = deploymentIds('start_deployment_workflow', args, principal.id);
 * const { workflowId, created } = await deps.deployments.startOnce(request, ids);
 * ```
 */
export function deploymentIds(
  tool: string,
  args: Readonly<Record<string, unknown>> & { correlation_id?: string | undefined },
  principalId: string,
  now = Date.now(),
): DeploymentIds {
  const generated = idempotencyKeys({ subject: principalId, tool, args, now });
  const requestHash = generated.lockKey;
  if (args.correlation_id !== undefined) {
    const hash = createHash('sha256').update(JSON.stringify([principalId, args.correlation_id])).digest('hex').slice(0, 32);
    return { workflowId: `deploy-key-${hash}`, earlierIds: [], requestHash };
  }
  const [current = generated.key, ...earlier] = generated.matches;
  return { workflowId: `deploy-${current}`, earlierIds: earlier.map((k) => `deploy-${k}`), requestHash };
}
