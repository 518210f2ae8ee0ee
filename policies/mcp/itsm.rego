# ITSM (ServiceNow) restrictions.
#   Deny reasons for server "itsm", on top of the group grants in
#   data.mcp.grants: who may work incidents, who may raise and move change
#   requests, who may approve them, and the priority-1 rule. Same package as
#   authz.rego, so these rules add to its deny_reasons.
package mcp.authz

# Groups that work incidents (open, update, resolve).
itsm_incident_worker_groups := {"admin", "service-desk", "network-engineers"}

# Groups that raise change requests and move them through their states.
itsm_change_author_groups := {"admin", "network-engineers"}

# Groups that approve change requests (authorize -> scheduled).
itsm_change_approver_groups := {"admin", "change-approvers"}

itsm_incident_write_tools := {"create_incident", "update_incident", "resolve_incident"}

itsm_change_author_tools := {"create_change_request", "transition_change_request"}

itsm_in_any(groups, allowed) if {
	some g in groups
	g in allowed
}

# Approving = moving a change from authorize to scheduled, whichever tool does it.
itsm_is_approval(request) if request.tool == "approve_change_request"

itsm_is_approval(request) if {
	request.tool == "transition_change_request"
	request.arguments.state == "scheduled"
	request.resource.change.state == "authorize"
}

# The call's arguments; {} when absent or not an object.
default itsm_request_arguments := {}

itsm_request_arguments := input.arguments if is_object(input.arguments)

# ServiceNow's priority matrix gives priority 1 only for impact 1 and urgency 1.
itsm_is_priority_one(impact, urgency) if {
	impact == 1
	urgency == 1
}

# Impact or urgency an incident will have after the request: the argument, else
# the incident's current value (update), else ServiceNow's default 3.
itsm_resulting_level(args, incident, key) := object.get(args, key, object.get(incident, key, 3))

itsm_raises_to_priority_one("create_incident", args, _) if {
	itsm_is_priority_one(itsm_resulting_level(args, {}, "impact"), itsm_resulting_level(args, {}, "urgency"))
}

itsm_raises_to_priority_one("update_incident", args, resource) if {
	incident := object.get(resource, "incident", {})
	itsm_is_priority_one(itsm_resulting_level(args, incident, "impact"), itsm_resulting_level(args, incident, "urgency"))
	object.get(incident, "priority", 5) != 1
}

deny_reasons contains msg if {
	input.server == "itsm"
	input.tool in itsm_incident_write_tools
	not itsm_in_any(subject_groups, itsm_incident_worker_groups)
	msg := "working incidents requires group service-desk, network-engineers or admin"
}

deny_reasons contains msg if {
	input.server == "itsm"
	input.tool in itsm_change_author_tools
	not itsm_in_any(subject_groups, itsm_change_author_groups)
	msg := "raising or moving change requests requires group network-engineers or admin"
}

deny_reasons contains msg if {
	input.server == "itsm"
	itsm_is_approval(input)
	not itsm_in_any(subject_groups, itsm_change_approver_groups)
	msg := "approving a change request (authorize -> scheduled) requires group change-approvers or admin"
}

deny_reasons contains msg if {
	input.server == "itsm"
	itsm_raises_to_priority_one(input.tool, itsm_request_arguments, request_resource)
	"service-desk" in subject_groups
	not is_admin(subject_groups)
	msg := "opening or raising an incident to priority 1 (impact 1, urgency 1) requires group admin for the service desk"
}

# --- change types: which type a caller may raise, and which changes may skip approval

# The change's type as requested; ServiceNow's default is normal.
itsm_requested_change_type(args) := object.get(args, "type", "normal")

# Groups that may raise changes of `type` (data.mcp.itsm.change_type_groups); unknown types: nobody.
itsm_change_type_groups(type) := object.get(data.mcp.itsm.change_type_groups, type, [])

# True when `template` is in the approved standard-change catalog (data.mcp.itsm.standard_change_templates).
itsm_is_approved_standard_template(template) if template in data.mcp.itsm.standard_change_templates

deny_reasons contains msg if {
	input.server == "itsm"
	input.tool == "create_change_request"
	type := itsm_requested_change_type(itsm_request_arguments)
	not itsm_in_any(subject_groups, {g | some g in itsm_change_type_groups(type)})
	msg := concat("", ["raising a change of type ", format_value(type), " requires group ", itsm_group_list(itsm_change_type_groups(type))])
}

# A standard change skips approval, so it must follow an approved standard-change template.
deny_reasons contains msg if {
	input.server == "itsm"
	input.tool == "create_change_request"
	itsm_requested_change_type(itsm_request_arguments) == "standard"
	not itsm_is_approved_standard_template(object.get(itsm_request_arguments, "standard_template", ""))
	msg := "a standard change must follow an approved standard-change template (standard_template)"
}

# Outcome rule: whatever raised it, a standard change reaches scheduled without approval only
# when it follows an approved standard-change template.
deny_reasons contains msg if {
	input.server == "itsm"
	input.tool == "transition_change_request"
	change := object.get(request_resource, "change", {})
	object.get(change, "type", "") == "standard"
	object.get(itsm_request_arguments, "state", "") in {"scheduled", "implement", "review", "closed"}
	not itsm_is_approved_standard_template(object.get(change, "std_template", ""))
	msg := "a standard change without an approved standard-change template cannot skip approval"
}

# A value for messages: strings as they are, anything else as JSON.
format_value(v) := v if is_string(v)

format_value(v) := json.marshal(v) if not is_string(v)

# "a, b or c" (sorted); "nobody" when empty.
itsm_group_list(groups) := "nobody" if count(groups) == 0

itsm_group_list(groups) := sorted[0] if {
	sorted := sort(groups)
	count(sorted) == 1
}

itsm_group_list(groups) := concat(" or ", [concat(", ", array.slice(sorted, 0, count(sorted) - 1)), sorted[count(sorted) - 1]]) if {
	sorted := sort(groups)
	count(sorted) > 1
}
