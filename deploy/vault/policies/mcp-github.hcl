# mcp-github reads its GitHub token (or App key) and nothing else.
path "secret/data/mcp/github" {
  capabilities = ["read"]
}
