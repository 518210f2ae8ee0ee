# mcp-network reads its Catalyst Center credentials and nothing else.
path "secret/data/mcp/catalyst-center" {
  capabilities = ["read"]
}
