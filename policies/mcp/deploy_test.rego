package mcp.authz_test

import data.mcp.authz

# --- fixtures

deploy_approval(subject, groups, requester) := {
	"subject": {"id": subject, "groups": groups, "scopes": ["mcp:tools"], "client_id": "deploy-worker"},
	"server": "itsm",
	"tool": "approve_deployment",
	"action": "write",
	"arguments": {"workflow_id": "deploy-1", "change": "CHG0030001"},
	"context": {"request_id": "deploy-1", "time": "2026-11-22T10:00:00Z"},
	"resource": {"requester": requester},
}

deploy_start(subject, groups, devices) := {
	"subject": {"id": subject, "groups": groups, "scopes": ["mcp:tools"], "client_id": "deploy-worker"},
	"server": "network",
	"tool": "template_deployment_workflow",
	"action": "execute",
	"arguments": {"template_id": "t1", "device_ids": [d.id | some d in devices]},
	"context": {"request_id": "deploy-1", "time": "2026-11-22T10:00:00Z"},
	"resource": {"devices": devices},
}

access_switch := {"id": "d5", "role": "ACCESS", "hostname": "sjc01-acc-01"}

core_switch := {"id": "d1", "role": "CORE", "hostname": "sjc01-core-01"}

# --- approving

test_admin_approves_someone_elses_deployment if {
	authz.decision.allow with input as deploy_approval("alice", ["admin"], "nina")
}

test_change_approver_approves_someone_elses_deployment if {
	authz.decision.allow with input as deploy_approval("carol", ["change-approvers"], "nina")
}

test_requester_cannot_approve_own_deployment if {
	d := authz.decision with input as deploy_approval("nina", ["network-engineers", "change-approvers"], "nina")
	not d.allow
	"four-eyes: the requester cannot approve their own deployment" in d.reasons
}

test_admin_cannot_approve_own_deployment if {
	not authz.decision.allow with input as deploy_approval("alice", ["admin"], "alice")
}

test_network_engineer_cannot_approve_deployment if {
	d := authz.decision with input as deploy_approval("nina", ["network-engineers"], "bob")
	not d.allow
	"approving a deployment requires group admin or change-approvers" in d.reasons
}

test_service_desk_cannot_approve_deployment if {
	not authz.decision.allow with input as deploy_approval("sam", ["service-desk"], "nina")
}

test_approval_without_requester_is_denied if {
	d := authz.decision with input as object.remove(deploy_approval("alice", ["admin"], "nina"), ["resource"])
	not d.allow
	"approving a deployment needs its requester (resource.requester)" in d.reasons
}

# --- starting (execute on network: grants and the CORE rule)

test_network_engineer_starts_deployment_to_access_devices if {
	authz.decision.allow with input as deploy_start("nina", ["network-engineers"], [access_switch])
}

test_network_engineer_cannot_start_deployment_to_core if {
	not authz.decision.allow with input as deploy_start("nina", ["network-engineers"], [access_switch, core_switch])
}

test_admin_starts_deployment_to_core if {
	authz.decision.allow with input as deploy_start("alice", ["admin"], [core_switch])
}

test_service_desk_cannot_start_deployment if {
	not authz.decision.allow with input as deploy_start("sam", ["service-desk"], [access_switch])
}

# --- tasks over deployments (mcp-network's tasks/get, tasks/update, tasks/cancel)

deploy_task_call(method, action, subject, groups, requester) := {
	"subject": {"id": subject, "groups": groups, "scopes": ["mcp:tools"], "client_id": "agent-x"},
	"server": "network",
	"tool": method,
	"action": action,
	"arguments": {"task_id": "deploy-1"},
	"context": {"request_id": "r1", "time": "2026-11-22T10:00:00Z"},
	"resource": {"requester": requester, "kind": "deployment"},
}

test_requester_sees_and_cancels_own_deployment_task if {
	authz.decision.allow with input as deploy_task_call("tasks/get", "read", "nina", ["network-engineers"], "nina")
	authz.decision.allow with input as deploy_task_call("tasks/cancel", "write", "nina", ["network-engineers"], "nina")
	authz.decision.allow with input as deploy_task_call("tasks/update", "write", "nina", ["network-engineers"], "nina")
}

test_admin_sees_and_cancels_anyones_deployment_task if {
	authz.decision.allow with input as deploy_task_call("tasks/get", "read", "alice", ["admin"], "nina")
	authz.decision.allow with input as deploy_task_call("tasks/cancel", "write", "alice", ["admin"], "nina")
}

test_other_network_engineer_cannot_see_a_deployment_task if {
	d := authz.decision with input as deploy_task_call("tasks/get", "read", "bob", ["network-engineers"], "nina")
	not d.allow
	"only the requester, approvers and admins may see or act on a deployment task" in d.reasons
}

test_service_desk_cannot_see_or_cancel_a_deployment_task if {
	not authz.decision.allow with input as deploy_task_call("tasks/get", "read", "sam", ["service-desk"], "nina")
	not authz.decision.allow with input as deploy_task_call("tasks/cancel", "write", "sam", ["service-desk"], "nina")
}

test_only_the_requester_answers_a_deployment_tasks_questions if {
	d := authz.decision with input as deploy_task_call("tasks/update", "write", "alice", ["admin"], "nina")
	not d.allow
	"only the requester may answer a deployment task's questions" in d.reasons
}

test_task_without_requester_is_visible_to_approvers_only if {
	not authz.decision.allow with input as json.patch(deploy_task_call("tasks/get", "read", "nina", ["network-engineers"], "nina"), [{"op": "remove", "path": "/resource/requester"}])
	authz.decision.allow with input as json.patch(deploy_task_call("tasks/get", "read", "alice", ["admin"], "nina"), [{"op": "remove", "path": "/resource/requester"}])
}

test_get_deployment_workflow_follows_the_task_rule_once_resolved if {
	# Before the server resolved the deployment (tools/list), the group grant decides.
	authz.decision.allow with input as json.patch(deploy_task_call("get_deployment_workflow", "read", "sam", ["service-desk"], "nina"), [{"op": "remove", "path": "/resource"}])
	not authz.decision.allow with input as deploy_task_call("get_deployment_workflow", "read", "sam", ["service-desk"], "nina")
	authz.decision.allow with input as deploy_task_call("get_deployment_workflow", "read", "nina", ["network-engineers"], "nina")
}

# --- standard changes (pre-approved: the worker's validation of a deploy_template task)

standard_start(subject, groups, change_type, roles) := {
	"subject": {"id": subject, "groups": groups, "scopes": ["mcp:tools"], "client_id": "deploy-worker"},
	"server": "network",
	"tool": "template_deployment_workflow",
	"action": "execute",
	"arguments": {"template_id": "t1", "device_ids": ["d1"], "change_type": change_type, "standard_template": "std-catalyst-template-deployment"},
	"context": {"request_id": "deploy-1", "time": "2026-11-22T10:00:00Z"},
	"resource": {"devices": [{"id": concat("", ["d-", r]), "hostname": concat("", ["sw-", lower(r)]), "role": r} | some r in roles]},
}

test_network_engineer_may_open_a_standard_change_for_access_devices if {
	authz.decision.allow with input as standard_start("nina", ["network-engineers"], "standard", ["ACCESS", "DISTRIBUTION"])
}

test_standard_change_never_touches_core_devices_even_for_admins if {
	d := authz.decision with input as standard_start("alice", ["admin"], "standard", ["ACCESS", "CORE"])
	not d.allow
	"CORE devices need a normal change with four-eyes approval, not a pre-approved standard change: sw-core" in d.reasons

	# The same admin may start a normal (four-eyes) change for them.
	authz.decision.allow with input as standard_start("alice", ["admin"], "normal", ["ACCESS", "CORE"])
}

test_service_desk_may_not_open_a_standard_change if {
	not authz.decision.allow with input as standard_start("sam", ["service-desk"], "standard", ["ACCESS"])
}

test_standard_change_needs_an_approved_standard_template if {
	d := authz.decision with input as json.patch(standard_start("nina", ["network-engineers"], "standard", ["ACCESS"]), [{"op": "replace", "path": "/arguments/standard_template", "value": "std-made-up"}])
	not d.allow
	"a standard change follows an approved standard-change template (data.mcp.itsm.standard_change_templates); got std-made-up" in d.reasons
	not authz.decision.allow with input as json.patch(standard_start("nina", ["network-engineers"], "standard", ["ACCESS"]), [{"op": "remove", "path": "/arguments/standard_template"}])
}
