# Deployment workflow rules (services/deploy-worker).
#   Starting a deployment is `execute` on server "network" (group grants and
#   the CORE rule of authz.rego apply). Approving one is tool
#   "approve_deployment", action "write" on server "itsm" — it authorizes the
#   deployment's change request — with four-eyes: the approver is in an
#   approver group and is not the requester (resource.requester). Same
#   package as authz.rego, so these rules add to its deny_reasons.
package mcp.authz

# Groups whose members may approve a deployment.
deploy_approver_groups := {"admin", "change-approvers"}

deploy_is_approval(request) if request.tool == "approve_deployment"

deploy_in_any(groups, allowed) if {
	some g in groups
	g in allowed
}

# The requester of the deployment being approved, when the worker resolved it.
deploy_requester(resource) := resource.requester if is_string(resource.requester)

deny_reasons contains msg if {
	deploy_is_approval(input)
	not deploy_in_any(subject_groups, deploy_approver_groups)
	msg := "approving a deployment requires group admin or change-approvers"
}

deny_reasons contains msg if {
	deploy_is_approval(input)
	deploy_requester(request_resource) == input.subject.id
	msg := "four-eyes: the requester cannot approve their own deployment"
}

deny_reasons contains msg if {
	deploy_is_approval(input)
	not deploy_requester(request_resource)
	msg := "approving a deployment needs its requester (resource.requester)"
}

# --- tasks (SEP-2663) over deployments: mcp-network's tasks/get, tasks/update, tasks/cancel
#   and get_deployment_workflow.
#   Visible to and cancellable by the deployment's requester, approvers and admins; the
#   group grants of authz.rego (network read for get, write for update/cancel) apply too.

deploy_is_task_call(request) if request.tool in {"tasks/get", "tasks/update", "tasks/cancel"}

# get_deployment_workflow once the server resolved which deployment (resource.kind).
deploy_is_task_call(request) if {
	request.tool == "get_deployment_workflow"
	request_resource.kind == "deployment"
}

deploy_task_party(subject, resource) if subject.id == resource.requester

deploy_task_party(subject, _) if deploy_in_any(object.get(subject, "groups", []), deploy_approver_groups)

deny_reasons contains msg if {
	deploy_is_task_call(input)
	not deploy_task_party(input.subject, request_resource)
	msg := "only the requester, approvers and admins may see or act on a deployment task"
}

# Answers to a task's questions are the requester's alone.
deny_reasons contains msg if {
	input.tool == "tasks/update"
	not request_resource.requester == input.subject.id
	msg := "only the requester may answer a deployment task's questions"
}

# --- standard changes: the worker's check of a deployment that skips four-eyes
#   (mcp-network's multi-device deploy_template as a task opens a pre-approved standard change;
#   arguments.change_type = "standard"). CORE devices always need a normal change and an approver.

deploy_is_standard_change(request) if {
	request.tool == "template_deployment_workflow"
	request.arguments.change_type == "standard"
}

deny_reasons contains msg if {
	deploy_is_standard_change(input)
	cores := core_devices(request_resource)
	count(cores) > 0
	msg := concat("", ["CORE devices need a normal change with four-eyes approval, not a pre-approved standard change: ", concat(", ", cores)])
}

deny_reasons contains msg if {
	deploy_is_standard_change(input)
	not itsm_is_approved_standard_template(object.get(input.arguments, "standard_template", ""))
	msg := concat("", ["a standard change follows an approved standard-change template (data.mcp.itsm.standard_change_templates); got ", format_value(object.get(input.arguments, "standard_template", null))])
}
