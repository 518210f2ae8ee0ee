import type { ServiceNowClient } from '@mcp-platform/connectors/servicenow';

/** What mcp-itsm's tools need: the ServiceNow client. */
export interface ItsmDeps {
  servicenow: ServiceNowClient;
}
