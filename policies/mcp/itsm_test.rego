package mcp.authz_test

import data.mcp.authz

# --- fixtures

itsm_call(groups, tool, action, args) := {
	"subject": {"id": "u1", "groups": groups, "scopes": ["mcp:tools"], "client_id": "agent-x", "acr": "mfa", "auth_age_seconds": 60},
	"server": "itsm",
	"tool": tool,
	"action": action,
	"arguments": args,
	"context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
}

itsm_with_resource(request, resource) := object.union(request, {"resource": resource})

itsm_transition(groups, target, current) := itsm_with_resource(
	itsm_call(groups, "transition_change_request", "write", {"change": "CHG0030003", "state": target}),
	{"change": {"number": "CHG0030003", "state": current, "type": "normal"}},
)

itsm_update_incident(groups, args, current) := itsm_with_resource(
	itsm_call(groups, "update_incident", "write", object.union({"incident": "INC0010002"}, args)),
	{"incident": object.union({"number": "INC0010002"}, current)},
)

# --- who may call which ITSM tool (table test; empty arguments, as tools/list asks)

itsm_matrix := [
	# [groups, tool, action, allowed]
	[["service-desk"], "search_incidents", "read", true],
	[["service-desk"], "create_incident", "write", true],
	[["service-desk"], "update_incident", "write", true],
	[["service-desk"], "resolve_incident", "write", true],
	[["service-desk"], "get_change_request", "read", true],
	[["service-desk"], "create_change_request", "write", false],
	[["service-desk"], "transition_change_request", "write", false],
	[["service-desk"], "approve_change_request", "write", false],
	[["network-engineers"], "create_incident", "write", true],
	[["network-engineers"], "create_change_request", "write", true],
	[["network-engineers"], "transition_change_request", "write", true],
	[["network-engineers"], "approve_change_request", "write", false],
	[["change-approvers"], "approve_change_request", "write", true],
	[["change-approvers"], "search_change_requests", "read", true],
	[["change-approvers"], "create_change_request", "write", false],
	[["change-approvers"], "create_incident", "write", false],
	[["admin"], "approve_change_request", "write", true],
	[["admin"], "create_change_request", "write", true],
	[["developers"], "search_incidents", "read", true],
	[["developers"], "create_incident", "write", false],
	[[], "search_incidents", "read", false],
]

test_itsm_matrix if {
	every row in itsm_matrix {
		[groups, tool, action, expected] := row
		got := authz.decision.allow with input as itsm_call(groups, tool, action, {})
		got == expected
	}
}

# --- incidents

test_service_desk_works_incidents if {
	authz.decision.allow with input as itsm_call(["service-desk"], "create_incident", "write", {"short_description": "Printer", "impact": 3, "urgency": 2})
	authz.decision.allow with input as itsm_update_incident(["service-desk"], {"work_note": "called the user"}, {"impact": 2, "urgency": 2, "priority": 3})
	authz.decision.allow with input as itsm_call(["service-desk"], "resolve_incident", "write", {"incident": "INC0010003", "close_code": "Solution provided"})
}

test_change_approvers_cannot_work_incidents if {
	d := authz.decision with input as itsm_call(["change-approvers"], "update_incident", "write", {})
	not d.allow
	d.reasons == ["working incidents requires group service-desk, network-engineers or admin"]
}

test_service_desk_cannot_open_priority_one if {
	d := authz.decision with input as itsm_call(["service-desk"], "create_incident", "write", {"impact": 1, "urgency": 1})
	not d.allow
	d.reasons == ["opening or raising an incident to priority 1 (impact 1, urgency 1) requires group admin for the service desk"]
}

test_service_desk_may_open_priority_two if {
	authz.decision.allow with input as itsm_call(["service-desk"], "create_incident", "write", {"impact": 1, "urgency": 2})
}

test_admin_and_network_engineers_may_open_priority_one if {
	authz.decision.allow with input as itsm_call(["admin"], "create_incident", "write", {"impact": 1, "urgency": 1})
	authz.decision.allow with input as itsm_call(["service-desk", "admin"], "create_incident", "write", {"impact": 1, "urgency": 1})
	authz.decision.allow with input as itsm_call(["network-engineers"], "create_incident", "write", {"impact": 1, "urgency": 1})
}

test_service_desk_cannot_raise_incident_to_priority_one if {
	# urgency 1 on an incident that already has impact 1
	not authz.decision.allow with input as itsm_update_incident(["service-desk"], {"urgency": 1}, {"impact": 1, "urgency": 2, "priority": 2})
	not authz.decision.allow with input as itsm_update_incident(["service-desk"], {"impact": 1, "urgency": 1}, {"impact": 3, "urgency": 3, "priority": 5})
}

test_service_desk_may_work_an_existing_priority_one if {
	authz.decision.allow with input as itsm_update_incident(["service-desk"], {"work_note": "still down"}, {"impact": 1, "urgency": 1, "priority": 1})
}

test_service_desk_may_lower_or_keep_below_priority_one if {
	authz.decision.allow with input as itsm_update_incident(["service-desk"], {"urgency": 1}, {"impact": 2, "urgency": 3, "priority": 4})
}

# --- change requests

test_network_engineer_moves_changes_but_cannot_approve if {
	authz.decision.allow with input as itsm_transition(["network-engineers"], "assess", "new")
	authz.decision.allow with input as itsm_transition(["network-engineers"], "implement", "scheduled")
	d := authz.decision with input as itsm_transition(["network-engineers"], "scheduled", "authorize")
	not d.allow
	d.reasons == ["approving a change request (authorize -> scheduled) requires group change-approvers or admin"]
}

test_standard_change_may_be_scheduled_without_approver if {
	authz.decision.allow with input as itsm_transition(["network-engineers"], "scheduled", "new")
}

test_approver_and_admin_approve if {
	authz.decision.allow with input as itsm_call(["change-approvers"], "approve_change_request", "write", {"change": "CHG0030003"})
	authz.decision.allow with input as itsm_call(["admin"], "approve_change_request", "write", {"change": "CHG0030003"})
	authz.decision.allow with input as itsm_transition(["admin"], "scheduled", "authorize")
}

test_service_desk_cannot_approve_or_move_changes if {
	d := authz.decision with input as itsm_call(["service-desk"], "approve_change_request", "write", {"change": "CHG0030003"})
	not d.allow
	d.reasons == [
		"approving a change request (authorize -> scheduled) requires group change-approvers or admin",
	]
	e := authz.decision with input as itsm_transition(["service-desk"], "scheduled", "authorize")
	e.reasons == [
		"approving a change request (authorize -> scheduled) requires group change-approvers or admin",
		"raising or moving change requests requires group network-engineers or admin",
	]
}

test_itsm_rules_do_not_touch_other_servers if {
	r := object.union(itsm_call(["network-engineers"], "approve_change_request", "read", {}), {"server": "network"})
	authz.decision.allow with input as r
}

test_missing_arguments_fall_back_to_defaults if {
	authz.decision.allow with input as {
		"subject": {"id": "u1", "groups": ["service-desk"], "scopes": ["mcp:tools"], "acr": "mfa", "auth_age_seconds": 60},
		"server": "itsm",
		"tool": "create_incident",
		"action": "write",
	}
}

# --- change types (issue #9: a caller cannot pick `standard` to skip approval)

itsm_standard_transition(groups, target, current, template) := itsm_with_resource(
	itsm_call(groups, "transition_change_request", "write", {"change": "CHG0030004", "state": target}),
	{"change": {"number": "CHG0030004", "state": current, "type": "standard", "std_template": template}},
)

test_standard_change_needs_an_approved_template if {
	authz.decision.allow with input as itsm_call(["network-engineers"], "create_change_request", "write", {"short_description": "x", "type": "standard", "standard_template": "std-access-vlan"})
	missing := authz.decision with input as itsm_call(["network-engineers"], "create_change_request", "write", {"short_description": "x", "type": "standard"})
	missing.reasons == ["a standard change must follow an approved standard-change template (standard_template)"]
	made_up := authz.decision with input as itsm_call(["admin"], "create_change_request", "write", {"short_description": "x", "type": "standard", "standard_template": "std-anything-goes"})
	made_up.reasons == ["a standard change must follow an approved standard-change template (standard_template)"]
}

test_change_types_by_group if {
	authz.decision.allow with input as itsm_call(["network-engineers"], "create_change_request", "write", {"short_description": "x"})
	authz.decision.allow with input as itsm_call(["network-engineers"], "create_change_request", "write", {"short_description": "x", "type": "normal"})
	emergency := authz.decision with input as itsm_call(["network-engineers"], "create_change_request", "write", {"short_description": "x", "type": "emergency"})
	emergency.reasons == ["raising a change of type emergency requires group admin"]
	authz.decision.allow with input as itsm_call(["admin"], "create_change_request", "write", {"short_description": "x", "type": "emergency"})
	unknown := authz.decision with input as itsm_call(["admin"], "create_change_request", "write", {"short_description": "x", "type": "sneaky"})
	unknown.reasons == ["raising a change of type sneaky requires group nobody"]
	not_string := authz.decision with input as itsm_call(["admin"], "create_change_request", "write", {"short_description": "x", "type": 7})
	not_string.reasons == ["raising a change of type 7 requires group nobody"]
}

test_standard_change_skips_approval_only_with_approved_template if {
	authz.decision.allow with input as itsm_standard_transition(["network-engineers"], "scheduled", "new", "std-interface-description")
	authz.decision.allow with input as itsm_standard_transition(["network-engineers"], "implement", "scheduled", "std-ntp-servers")
	every target in ["scheduled", "implement", "review", "closed"] {
		d := authz.decision with input as itsm_standard_transition(["admin"], target, "new", "")
		d.reasons == ["a standard change without an approved standard-change template cannot skip approval"]
	}
}

test_unapproved_standard_change_may_still_be_canceled if {
	authz.decision.allow with input as itsm_standard_transition(["network-engineers"], "canceled", "new", "")
}

test_group_list_wording if {
	authz.itsm_group_list(["b", "a", "c"]) == "a, b or c"
	authz.itsm_group_list(["a", "b"]) == "a or b"
}
