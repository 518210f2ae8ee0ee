# deploy-worker runs deployments on Catalyst Center tied to ServiceNow change
# requests: it reads exactly those two upstream credentials.
path "secret/data/mcp/catalyst-center" {
  capabilities = ["read"]
}
path "secret/data/mcp/servicenow" {
  capabilities = ["read"]
}
