/**
 * ServiceNow Table API simulator (incidents, change requests, groups, users) with seeded data.
 *
 * @example
 * ```ts
 * import { startServiceNowSimulator, SERVICENOW_SEED_IDS } from '@mcp-platform/sandboxes/servicenow';
 * const sim = await startServiceNowSimulator({ port: 0, username: 'admin', password: 'pw' });
 * ```
 */
export {
  CHANGE_STATES,
  CHANGE_TRANSITIONS,
  INCIDENT_STATES,
  startServiceNowSimulator,
  type ServiceNowSimLogger,
  type ServiceNowSimRequest,
  type ServiceNowSimulator,
  type ServiceNowSimulatorOptions,
  type ServiceNowSimulatorState,
} from './simulator.ts';
export { SERVICENOW_SEED_IDS, defaultServiceNowSeed, priorityOf, type ServiceNowSeed, type SimJournalEntry, type SimRecord } from './seed.ts';
export { EncodedQueryError, QUERY_OPERATORS, applyEncodedQuery, matchTerm, parseEncodedQuery, type ParsedQuery, type QueryOperator, type QueryTerm } from './encoded-query.ts';
