package mcp.authz_test

import data.mcp.authz

# --- fixtures

subject(groups) := {"id": "alice", "groups": groups, "scopes": ["mcp:tools"], "client_id": "agent-x", "acr": "mfa", "auth_age_seconds": 60}

request(groups, server, action) := {
	"subject": subject(groups),
	"server": server,
	"tool": "some_tool",
	"action": action,
	"arguments": {},
	"context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
}

deploy(groups, devices) := object.union(request(groups, "network", "write"), {
	"tool": "deploy_template",
	"arguments": {"template_id": "tpl-1", "device_ids": [d.id | some d in devices]},
	"resource": {"devices": devices},
})

core_device := {"id": "dev-1", "role": "CORE", "hostname": "core-sw-01"}

core_device_2 := {"id": "dev-2", "role": "CORE", "hostname": "core-sw-02"}

access_device := {"id": "dev-3", "role": "ACCESS", "hostname": "access-sw-01"}

# --- the group x server x action matrix (table test)

matrix := [
	# [groups, server, action, allowed]
	[["admin"], "network", "read", true],
	[["admin"], "network", "write", true],
	[["admin"], "network", "execute", true],
	[["admin"], "itsm", "write", true],
	[["admin"], "github", "execute", true],
	[["network-engineers"], "network", "read", true],
	[["network-engineers"], "network", "write", true],
	[["network-engineers"], "network", "execute", true],
	[["network-engineers"], "itsm", "read", true],
	[["network-engineers"], "itsm", "execute", false],
	[["network-engineers"], "github", "write", false],
	[["service-desk"], "itsm", "write", true],
	[["service-desk"], "github", "read", false],
	[["developers"], "github", "write", true],
	[["developers"], "itsm", "write", false],
	[["change-approvers"], "itsm", "write", true],
	[["change-approvers"], "network", "read", false],
	[["service-desk"], "network", "read", true],
	[["service-desk"], "network", "write", false],
	[["service-desk"], "network", "execute", false],
	[["developers"], "network", "read", false],
	[["developers"], "network", "write", false],
	[["developers"], "network", "execute", false],
	[["contractors"], "network", "read", false],
	[[], "network", "read", false],
	[["developers", "service-desk"], "network", "read", true],
]

test_group_action_matrix if {
	failures := [row |
		some row in matrix
		authz.decision.allow != row[3] with input as request(row[0], row[1], row[2])
	]
	count(failures) == 0
}

# --- allow, with the reason naming the granting group

test_admin_may_do_everything_on_every_server if {
	d := authz.decision with input as request(["admin"], "github", "write")
	d.allow
	d.reasons == ["granted by group admin"]
}

test_allow_names_every_granting_group if {
	d := authz.decision with input as request(["service-desk", "network-engineers", "developers"], "network", "read")
	d.reasons == ["granted by group network-engineers", "granted by group service-desk"]
}

test_network_engineer_can_deploy_to_access_devices if {
	authz.decision.allow with input as deploy(["network-engineers"], [access_device])
}

test_service_desk_can_read_network if {
	authz.decision.allow with input as request(["service-desk"], "network", "read")
}

# --- deny, with a reason

test_service_desk_cannot_deploy if {
	d := authz.decision with input as deploy(["service-desk"], [access_device])
	not d.allow
	d.reasons == ["no group of the subject grants write on server network"]
}

test_developers_cannot_read_network if {
	d := authz.decision with input as request(["developers"], "network", "read")
	not d.allow
	d.reasons == ["no group of the subject grants read on server network"]
}

test_unknown_group_is_denied if {
	not authz.decision.allow with input as request(["contractors"], "network", "read")
}

test_subject_without_groups_is_denied if {
	inp := json.remove(request([], "network", "read"), ["subject/groups"])
	d := authz.decision with input as inp
	not d.allow
	d.reasons == ["no group of the subject grants read on server network"]
}

test_missing_scope_is_denied_even_for_admin if {
	inp := json.patch(request(["admin"], "network", "read"), [{"op": "replace", "path": "/subject/scopes", "value": ["openid"]}])
	d := authz.decision with input as inp
	not d.allow
	d.reasons == ["missing required scope mcp:tools"]
}

test_unknown_action_is_denied if {
	d := authz.decision with input as request(["admin"], "network", "delete")
	not d.allow
	d.reasons == ["action must be one of execute, read, write"]
}

test_empty_input_is_denied_with_every_reason if {
	d := authz.decision with input as {}
	not d.allow
	d.reasons == ["action must be one of execute, read, write", "missing required scope mcp:tools", "request has no server"]
}

# --- argument-aware: CORE devices

test_network_engineer_cannot_deploy_to_core if {
	d := authz.decision with input as deploy(["network-engineers"], [access_device, core_device_2, core_device])
	not d.allow
	d.reasons == ["deploying to CORE devices requires group admin: core-sw-01, core-sw-02"]
}

test_network_engineer_cannot_execute_on_core if {
	inp := json.patch(deploy(["network-engineers"], [core_device]), [{"op": "replace", "path": "/action", "value": "execute"}])
	not authz.decision.allow with input as inp
}

test_core_role_is_case_insensitive_and_named_by_id_without_hostname if {
	d := authz.decision with input as deploy(["network-engineers"], [{"id": "dev-9", "role": "core"}])
	d.reasons == ["deploying to CORE devices requires group admin: dev-9"]
}

test_core_device_without_name_is_still_core if {
	d := authz.decision with input as deploy(["network-engineers"], [{"role": "CORE"}])
	d.reasons == ["deploying to CORE devices requires group admin: (unnamed)"]
}

test_admin_can_deploy_to_core if {
	d := authz.decision with input as deploy(["admin"], [core_device])
	d.allow
	d.reasons == ["granted by group admin"]
}

test_reading_core_devices_is_not_a_deploy if {
	inp := json.patch(deploy(["service-desk"], [core_device]), [{"op": "replace", "path": "/action", "value": "read"}])
	authz.decision.allow with input as inp
}

test_service_desk_deploy_to_core_gives_both_reasons if {
	d := authz.decision with input as deploy(["service-desk"], [core_device])
	d.reasons == [
		"deploying to CORE devices requires group admin: core-sw-01",
		"no group of the subject grants write on server network",
	]
}

test_malformed_resource_is_ignored if {
	inp := json.patch(request(["network-engineers"], "network", "write"), [{"op": "add", "path": "/resource", "value": {"devices": "core"}}])
	authz.decision.allow with input as inp
}

# --- tools/list filtering: empty arguments, no resource

test_deploy_tool_is_listed_for_network_engineer_without_arguments if {
	authz.decision.allow with input as request(["network-engineers"], "network", "write")
}

test_deploy_tool_is_hidden_from_service_desk_without_arguments if {
	not authz.decision.allow with input as request(["service-desk"], "network", "write")
}

# --- grants are data: a new server is a data change, not a rule change

test_new_server_grants_come_from_data if {
	grants := object.union(data.mcp.grants, {"service-desk": {"network": ["read"], "itsm": ["read", "write"]}})
	authz.decision.allow with input as request(["service-desk"], "itsm", "write") with data.mcp.grants as grants
	not authz.decision.allow with input as request(["service-desk"], "itsm", "execute") with data.mcp.grants as grants
}

test_helpers if {
	authz.is_admin(["developers", "admin"])
	not authz.is_admin(["developers"])
	authz.grants_action(["service-desk"], "network", "read")
	not authz.grants_action(["service-desk"], "network", "write")
	authz.grants_action(["admin"], "anything", "execute")
}
