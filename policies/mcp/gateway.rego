# METADATA
# title: MCP gateway access
# description: |
#   The gateway's own rule, asked by services/mcp-gateway before it lists or
#   calls any backend tool for a caller, and before each hop of a composite tool.
#   Entry point: data.mcp.gateway.decision -> {"allow": bool, "reasons": [string]}.
#   Which groups may use the gateway at all, and which servers (prefixes) it
#   exposes to whom, come from data.mcp.gateway.exposure (group -> servers,
#   "*" = every server; "ops" is the prefix of the gateway's composite tools).
#   Each backend's own policy still decides every call it receives. Deny by default.
package mcp.gateway

required_scope := "mcp:tools"

default allow := false

decision := {"allow": allow, "reasons": reasons}

allow if {
	required_scope in subject_scopes
	server_named
	count(exposing_groups(subject_groups, input.server)) > 0
}

reasons := sort([concat("", ["exposed by group ", g]) | some g in exposing_groups(subject_groups, input.server)]) if allow

reasons := sort([msg | some msg in deny_reasons]) if not allow

default subject_groups := []

subject_groups := input.subject.groups if is_array(input.subject.groups)

default subject_scopes := []

subject_scopes := input.subject.scopes if is_array(input.subject.scopes)

# The groups among `groups` that may use the gateway at all.
gateway_groups(groups) := {g |
	some g in groups
	count(object.get(data.mcp.gateway.exposure, g, [])) > 0
}

# The groups among `groups` through which the gateway exposes `server`.
exposing_groups(groups, server) := {g |
	some g in groups
	exposes(object.get(data.mcp.gateway.exposure, g, []), server)
}

exposes(servers, _) if "*" in servers

exposes(servers, server) if server in servers

deny_reasons contains concat("", ["token lacks scope ", required_scope]) if not required_scope in subject_scopes

server_named if is_string(input.server)

deny_reasons contains "no server named in the request" if not server_named

deny_reasons contains "no group of the subject may use the MCP gateway" if count(gateway_groups(subject_groups)) == 0

deny_reasons contains concat("", ["the gateway does not expose server ", input.server, " to the subject's groups"]) if {
	server_named
	count(gateway_groups(subject_groups)) > 0
	count(exposing_groups(subject_groups, input.server)) == 0
}
