package mcp.authz_test

import data.mcp.authz

# --- fixtures: the same request at different authentication strengths

authenticated(acr, age) := {"id": "alice", "groups": ["admin"], "scopes": ["mcp:tools"], "client_id": "mcp-inspector", "acr": acr, "amr": ["pwd"], "auth_age_seconds": age}

core_deploy(subj) := {
	"subject": subj,
	"server": "network",
	"tool": "deploy_template",
	"action": "write",
	"arguments": {"template_id": "tpl-1", "device_ids": ["dev-1"]},
	"context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
	"resource": {"devices": [{"id": "dev-1", "role": "CORE", "hostname": "core-sw-01"}]},
}

mfa_recent := authenticated("mfa", 60)

password_only := authenticated("pwd", 60)

challenge := {"acr_values": ["mfa"], "max_age": 900}

# --- deploying to CORE devices

test_core_deploy_with_recent_mfa_is_allowed if {
	d := authz.decision with input as core_deploy(mfa_recent)
	d.allow
	not d.step_up
}

test_core_deploy_with_password_only_gets_the_step_up_challenge if {
	d := authz.decision with input as core_deploy(password_only)
	not d.allow
	d.step_up == challenge
	d.reasons == ["step-up authentication required (deploying to CORE devices): authenticate with acr mfa within the last 900 s"]
}

test_core_deploy_with_stale_mfa_gets_the_challenge if {
	d := authz.decision with input as core_deploy(authenticated("mfa", 901))
	d.step_up == challenge
}

test_mfa_exactly_at_max_age_is_still_fresh if {
	authz.decision.allow with input as core_deploy(authenticated("mfa", 900))
}

test_missing_acr_or_auth_time_needs_step_up if {
	no_acr := object.remove(mfa_recent, ["acr"])
	no_age := object.remove(mfa_recent, ["auth_age_seconds"])
	d1 := authz.decision with input as core_deploy(no_acr)
	d1.step_up == challenge
	d2 := authz.decision with input as core_deploy(no_age)
	d2.step_up == challenge
}

test_unknown_or_non_string_acr_is_the_lowest_level if {
	d3 := authz.decision with input as core_deploy(authenticated("gold", 60))
	d3.step_up == challenge
	d4 := authz.decision with input as core_deploy(authenticated(2, 60))
	d4.step_up == challenge
}

test_non_numeric_auth_age_needs_step_up if {
	d5 := authz.decision with input as core_deploy(authenticated("mfa", "60"))
	d5.step_up == challenge
}

test_access_device_deploy_needs_no_step_up if {
	req := object.union(core_deploy(password_only), {"resource": {"devices": [{"id": "dev-3", "role": "ACCESS", "hostname": "access-sw-01"}]}})
	d := authz.decision with input as req
	d.allow
	not d.step_up
}

test_a_denial_for_another_reason_is_not_a_challenge if {
	# nina may not deploy to CORE at all: asking her to authenticate again would not help.
	nina := object.union(password_only, {"id": "nina", "groups": ["network-engineers"]})
	d := authz.decision with input as core_deploy(nina)
	not d.allow
	not d.step_up
	count(d.reasons) == 2
}

test_the_worker_revalidation_is_not_a_step_up_point if {
	# The deploy worker re-decides long after the login (tool template_deployment_workflow); step-up
	# was enforced when the workflow was started through the MCP tool.
	req := object.union(core_deploy(object.remove(mfa_recent, ["acr", "auth_age_seconds"])), {"tool": "template_deployment_workflow", "action": "execute"})
	authz.decision.allow with input as req
}

# --- approvals and GitHub writes

approval(tool, args, resource) := {
	"subject": object.union(password_only, {"groups": ["change-approvers"]}),
	"server": "itsm",
	"tool": tool,
	"action": "write",
	"arguments": args,
	"context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
	"resource": resource,
}

test_approving_a_change_request_needs_step_up if {
	d := authz.decision with input as approval("approve_change_request", {"number": "CHG0000001"}, {"change": {"state": "authorize"}})
	d.step_up == challenge
	d.reasons == ["step-up authentication required (approving a change request): authenticate with acr mfa within the last 900 s"]
}

test_scheduling_an_authorized_change_is_an_approval if {
	req := object.union(approval("transition_change_request", {"state": "scheduled"}, {"change": {"state": "authorize"}}), {"subject": {"groups": ["network-engineers", "change-approvers"]}})
	d := authz.decision with input as req
	d.step_up == challenge
}

test_approving_a_deployment_workflow_needs_step_up if {
	req := object.union(object.remove(core_deploy(object.union(password_only, {"groups": ["network-engineers"]})), ["resource"]), {"tool": "approve_deployment_workflow", "arguments": {"workflow_id": "w1"}})
	d6 := authz.decision with input as req
	d6.step_up == challenge
	authz.decision.allow with input as object.union(req, {"subject": object.union(mfa_recent, {"groups": ["network-engineers"]})})
}

test_writing_to_github_needs_step_up_and_reading_does_not if {
	dave := object.union(password_only, {"id": "dave", "groups": ["developers"]})
	write := {
		"subject": dave, "server": "github", "tool": "create_issue", "action": "write",
		"arguments": {"owner": "acme-apps", "repo": "portal", "title": "x"},
		"context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
	}
	d7 := authz.decision with input as write
	d7.step_up == challenge
	authz.decision.allow with input as object.union(write, {"subject": object.union(dave, {"acr": "mfa"})})
	authz.decision.allow with input as object.union(write, {"tool": "get_issue", "action": "read"})
}

test_tools_list_question_shows_the_step_up_for_github_writes if {
	# tools/list asks without arguments: a write tool is then "callable after step-up", not hidden.
	req := {
		"subject": object.union(password_only, {"id": "dave", "groups": ["developers"]}), "server": "github", "tool": "create_issue", "action": "write",
		"arguments": {}, "context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
	}
	d8 := authz.decision with input as req
	d8.step_up == challenge
}

# --- the methods (amr): Keycloak's exchanged tokens say acr pwd but keep amr

with_amr(acr, amr, age) := object.union(authenticated(acr, age), {"amr": amr})

test_otp_in_amr_is_strong_although_the_exchanged_acr_says_pwd if {
	d := authz.decision with input as core_deploy(with_amr("pwd", ["pwd", "otp"], 60))
	d.allow
	not d.step_up
}

test_password_only_amr_with_pwd_acr_gets_the_challenge if {
	d := authz.decision with input as core_deploy(with_amr("pwd", ["pwd"], 60))
	d.step_up == challenge
}

test_otp_in_amr_but_stale_gets_the_challenge if {
	d := authz.decision with input as core_deploy(with_amr("pwd", ["pwd", "otp"], 901))
	d.step_up == challenge
}

test_unknown_or_malformed_amr_counts_nothing if {
	d1 := authz.decision with input as core_deploy(with_amr("pwd", ["gold", 2, {"otp": true}], 60))
	d1.step_up == challenge
	d2 := authz.decision with input as core_deploy(with_amr("pwd", "otp", 60))
	d2.step_up == challenge
	d3 := authz.decision with input as core_deploy(with_amr("pwd", {"otp": 2}, 60))
	d3.step_up == challenge
}

test_otp_in_amr_without_auth_time_needs_step_up if {
	no_age := object.remove(with_amr("pwd", ["pwd", "otp"], 60), ["auth_age_seconds"])
	d := authz.decision with input as core_deploy(no_age)
	d.step_up == challenge
}
