package mcp.proxy_test

import data.mcp.proxy

proxy_input(groups, scopes) := {
	"subject": {"id": "someone", "groups": groups, "scopes": scopes, "client_id": "legacy-app"},
	"server": "rest-api-proxy",
	"tool": "*",
	"action": "read",
	"arguments": {},
	"context": {"request_id": "r1", "time": "2026-11-22T10:00:00Z"},
}

test_developers_may_use_the_proxy if {
	d := proxy.decision with input as proxy_input(["developers"], ["mcp:tools"])
	d.allow
	d.reasons == ["granted by group developers"]
}

test_every_granted_group_may_use_the_proxy if {
	every g in ["admin", "network-engineers", "service-desk", "developers", "change-approvers"] {
		proxy.allow with input as proxy_input([g], ["mcp:tools"])
	}
}

test_subject_without_groups_is_denied if {
	d := proxy.decision with input as proxy_input([], ["mcp:tools"])
	not d.allow
	d.reasons == ["no group of the subject may use the REST proxy"]
}

test_unknown_group_is_denied if {
	not proxy.allow with input as proxy_input(["contractors"], ["mcp:tools"])
}

test_missing_scope_is_denied if {
	d := proxy.decision with input as proxy_input(["admin"], ["openid"])
	not d.allow
	d.reasons == ["token lacks scope mcp:tools"]
}

test_missing_subject_fields_deny_instead_of_erroring if {
	d := proxy.decision with input as {"server": "rest-api-proxy"}
	not d.allow
	count(d.reasons) == 2
}

test_other_resource_is_denied if {
	d := proxy.decision with input as object.union(proxy_input(["admin"], ["mcp:tools"]), {"server": "network"})
	not d.allow
	d.reasons == ["not a request for the REST proxy"]
}
