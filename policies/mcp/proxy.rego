# METADATA
# title: REST proxy access
# description: |
#   The proxy's own access rule (the seeds' `rest-api-proxy` resource), asked by
#   services/rest-proxy before it delegates a call to any MCP server.
#   Entry point: data.mcp.proxy.decision -> {"allow": bool, "reasons": [string]}.
#   A subject may use the proxy when its token carries the tools scope and one of
#   its groups holds a grant in data.mcp.grants (the same grants the MCP servers
#   enforce per tool, which still apply to every call). Deny by default.
package mcp.proxy

# The resource name of the proxy in policy input (`server`).
proxy_resource := "rest-api-proxy"

required_scope := "mcp:tools"

default allow := false

decision := {"allow": allow, "reasons": reasons}

allow if {
	input.server == proxy_resource
	required_scope in subject_scopes
	count(granted_groups(subject_groups)) > 0
}

reasons := sort([concat("", ["granted by group ", g]) | some g in granted_groups(subject_groups)]) if allow

reasons := sort([msg | some msg in deny_reasons]) if not allow

default subject_groups := []

subject_groups := input.subject.groups if is_array(input.subject.groups)

default subject_scopes := []

subject_scopes := input.subject.scopes if is_array(input.subject.scopes)

# The groups among `groups` that hold a grant on at least one server.
granted_groups(groups) := {g |
	some g in groups
	count(object.get(data.mcp.grants, g, {})) > 0
}

deny_reasons contains "not a request for the REST proxy" if input.server != proxy_resource

deny_reasons contains concat("", ["token lacks scope ", required_scope]) if not required_scope in subject_scopes

deny_reasons contains "no group of the subject may use the REST proxy" if count(granted_groups(subject_groups)) == 0
