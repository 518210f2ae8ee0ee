# mcp-itsm reads its ServiceNow credentials and nothing else.
path "secret/data/mcp/servicenow" {
  capabilities = ["read"]
}
