import type { CatalystCenterClient } from '@mcp-platform/connectors/catalyst-center';

/** What mcp-network's tools need: the Catalyst Center client and deploy limits. */
export interface NetworkDeps {
  catalyst: CatalystCenterClient;
  /** Most devices one deploy_template call may target. */
  maxDevicesPerDeploy: number;
}
