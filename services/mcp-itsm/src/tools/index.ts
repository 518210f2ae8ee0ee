import type { AnyToolDefinition } from '@mcp-platform/mcp-common/server';
import type { ItsmDeps } from '../deps.ts';
import { approveChangeRequest } from './approve_change_request.ts';
import { createChangeRequest } from './create_change_request.ts';
import { createIncident } from './create_incident.ts';
import { getChangeRequest } from './get_change_request.ts';
import { getIncident } from './get_incident.ts';
import { resolveIncident } from './resolve_incident.ts';
import { searchChangeRequests } from './search_change_requests.ts';
import { searchIncidents } from './search_incidents.ts';
import { transitionChangeRequest } from './transition_change_request.ts';
import { updateIncident } from './update_incident.ts';

/** Every tool of mcp-itsm, in the order `tools/list` shows them. */
export const itsmTools: AnyToolDefinition<ItsmDeps>[] = [
  searchIncidents,
  getIncident,
  createIncident,
  updateIncident,
  resolveIncident,
  searchChangeRequests,
  getChangeRequest,
  createChangeRequest,
  transitionChangeRequest,
  approveChangeRequest,
];
