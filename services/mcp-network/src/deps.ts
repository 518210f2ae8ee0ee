import type { CatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';
import type { DeploymentClient } from '@mcp-platform/deployment-contract';

/** What mcp-network's tools need: the Catalyst Center client and deploy limits. */
export interface NetworkDeps {
  catalyst: CatalystCenterClient;
  /** Most devices one deploy_template call may target. */
  maxDevicesPerDeploy: number;
  /** Deployment workflows on Temporal; absent when TEMPORAL_ADDRESS is not configured (the workflow tools are then not registered). */
  deployments?: DeploymentClient;
  /** True when Temporal answers within 1 s (inside the spine's 2 s per-check limit): `/readyz` check `temporal`; absent without TEMPORAL_ADDRESS. */
  workflowsReachable?: () => Promise<boolean>;
  /** Audience of the credentials the deploy worker accepts (`DEPLOY_WORKER_AUDIENCE`); tools get them with `ctx.delegate`. */
  workerAudience: string;
}
