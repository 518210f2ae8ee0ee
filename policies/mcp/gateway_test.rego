package mcp.gateway_test

import data.mcp.gateway

gw_input(groups, scopes, server) := {
	"subject": {"id": "someone", "groups": groups, "scopes": scopes, "client_id": "agent"},
	"server": server,
	"tool": "*",
	"action": "read",
	"arguments": {},
	"context": {"request_id": "r1", "time": "2026-11-22T10:00:00Z"},
}

test_admin_may_use_every_server if {
	every s in ["network", "itsm", "github", "ops", "analysis"] {
		gateway.allow with input as gw_input(["admin"], ["mcp:tools"], s)
	}
}

test_network_engineer_gets_network_itsm_github_and_composites if {
	d := gateway.decision with input as gw_input(["network-engineers"], ["mcp:tools"], "ops")
	d.allow
	d.reasons == ["exposed by group network-engineers"]
}

test_exposure_matrix if {
	cases := [
		["service-desk", "network", true],
		["service-desk", "itsm", true],
		["service-desk", "ops", true],
		["service-desk", "github", false],
		["developers", "github", true],
		["developers", "itsm", true],
		["developers", "network", false],
		["developers", "ops", false],
		["change-approvers", "itsm", true],
		["change-approvers", "network", false],
	]
	every c in cases {
		gateway.allow == c[2] with input as gw_input([c[0]], ["mcp:tools"], c[1])
	}
}

test_subject_without_groups_may_not_use_the_gateway if {
	d := gateway.decision with input as gw_input([], ["mcp:tools"], "network")
	not d.allow
	d.reasons == ["no group of the subject may use the MCP gateway"]
}

test_unknown_group_is_denied if {
	not gateway.allow with input as gw_input(["contractors"], ["mcp:tools"], "network")
}

test_server_not_exposed_names_the_server if {
	d := gateway.decision with input as gw_input(["developers"], ["mcp:tools"], "network")
	not d.allow
	d.reasons == ["the gateway does not expose server network to the subject's groups"]
}

test_reasons_list_every_exposing_group if {
	d := gateway.decision with input as gw_input(["service-desk", "network-engineers"], ["mcp:tools"], "itsm")
	d.allow
	d.reasons == ["exposed by group network-engineers", "exposed by group service-desk"]
}

test_missing_scope_is_denied_even_for_admin if {
	d := gateway.decision with input as gw_input(["admin"], ["openid"], "network")
	not d.allow
	d.reasons == ["token lacks scope mcp:tools"]
}

test_missing_fields_deny_instead_of_erroring if {
	d := gateway.decision with input as {}
	not d.allow
	count(d.reasons) == 3
}

test_non_string_server_is_denied if {
	not gateway.allow with input as object.union(gw_input(["admin"], ["mcp:tools"], "network"), {"server": ["network"]})
}
