import type { AnyToolDefinition } from '@mcp-platform/mcp-common/server';
import type { NetworkDeps } from '../deps.ts';
import { approveDeploymentWorkflow } from './approve_deployment_workflow.ts';
import { deployTemplate } from './deploy_template.ts';
import { getDeploymentStatus } from './get_deployment_status.ts';
import { getDeploymentWorkflow } from './get_deployment_workflow.ts';
import { getDevice } from './get_device.ts';
import { getTemplate } from './get_template.ts';
import { listDevices } from './list_devices.ts';
import { listSites } from './list_sites.ts';
import { listTemplates } from './list_templates.ts';
import { startDeploymentWorkflow } from './start_deployment_workflow.ts';

/** Every tool of mcp-network, in the order `tools/list` shows them. */
export const networkTools: AnyToolDefinition<NetworkDeps>[] = [
  listDevices,
  getDevice,
  listSites,
  listTemplates,
  getTemplate,
  deployTemplate,
  getDeploymentStatus,
];

/** The deployment workflow tools, registered only when Temporal is configured (TEMPORAL_ADDRESS). */
export const deploymentWorkflowTools: AnyToolDefinition<NetworkDeps>[] = [startDeploymentWorkflow, getDeploymentWorkflow, approveDeploymentWorkflow];
