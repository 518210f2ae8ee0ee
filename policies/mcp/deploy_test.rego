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
