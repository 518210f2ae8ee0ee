/**
 * Typed client for the ServiceNow Table API: incidents, change requests and their approvals.
 *
 * @example
 * ```ts
 * import { createServiceNowClient, encodeQuery } from '@mcp-platform/connectors/servicenow';
 * ```
 */
export {
  createServiceNowClient,
  nextOffsetFromLink,
  serviceNowErrorMessage,
  type CallOptions,
  type CreateOptions,
  type UpdateOptions,
  type ServiceNowBasicCredentials,
  type ServiceNowClient,
  type ServiceNowClientOptions,
  type ServiceNowCredentials,
  type ServiceNowOAuthCredentials,
} from './client.ts';
export { encodeQuery, type QueryClause, type QueryCondition, type QueryOperator, type QueryOrder } from './query.ts';
export {
  APPROVAL_STATES,
  ApprovalSchema,
  CHANGE_CLOSE_CODES,
  CHANGE_STATE,
  ChangeRequestSchema,
  INCIDENT_CLOSE_CODES,
  INCIDENT_STATE,
  IncidentSchema,
  type Approval,
  type ApprovalDecision,
  type ApprovalOutcome,
  type ApprovalStateName,
  type ChangeRequest,
  type ChangeRequestFields,
  type ChangeStateName,
  type CreateResult,
  type FieldValue,
  type Incident,
  type IncidentFields,
  type IncidentStateName,
  type Page,
  type SearchOptions,
} from './types.ts';
/** The ServiceNow secret (Basic or OAuth client credentials) for the spine's `withUpstreamCredentials`. */
export { serviceNowEnv, serviceNowFromConfig, type ServiceNowConfig, type ServiceNowWiring } from './from-config.ts';
