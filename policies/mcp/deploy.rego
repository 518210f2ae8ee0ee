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
