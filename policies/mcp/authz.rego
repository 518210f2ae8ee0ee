# METADATA
# title: MCP tool authorization
# description: |
#   Decides whether a subject may call one MCP tool on one server.
#   Entry point: data.mcp.authz.decision -> {"allow": bool, "reasons": [string]}.
#   Group grants (group -> server -> actions) live in data.mcp.grants
#   (policies/mcp/data.json); argument-aware restrictions live here as
#   deny_reasons rules. Deny by default.
package mcp.authz

# The scope every caller's token must carry to call any tool.
required_scope := "mcp:tools"

# The group that may do everything, including deploys to CORE devices.
admin_group := "admin"

valid_actions := {"read", "write", "execute"}

default allow := false

# The one exported result; with step_up = {acr_values, max_age} when only a
# stronger authentication is missing (step_up.rego).
decision := object.union({"allow": allow, "reasons": reasons}, step_up_demand)

allow if {
	count(granting_groups(subject_groups, input.server, input.action)) > 0
	count(deny_reasons) == 0
}

reasons := sort([msg |
	some g in granting_groups(subject_groups, input.server, input.action)
	msg := concat("", ["granted by group ", g])
]) if allow

reasons := sort([msg | some msg in deny_reasons]) if not allow

# --- subject attributes, defaulted so a missing field denies instead of erroring

default subject_groups := []

subject_groups := input.subject.groups if is_array(input.subject.groups)

default subject_scopes := []

subject_scopes := input.subject.scopes if is_array(input.subject.scopes)

# Attributes the server resolved for the policy (e.g. devices of a deploy); optional.
default request_resource := {}

request_resource := input.resource if is_object(input.resource)

# --- helpers (functions take their inputs as arguments)

is_admin(groups) if admin_group in groups

# The groups among `groups` whose grants cover `action` on `server`.
granting_groups(groups, server, action) := {g |
	some g in groups
	grants_action_by(g, server, action)
}

# True when at least one of `groups` grants `action` on `server`.
grants_action(groups, server, action) if count(granting_groups(groups, server, action)) > 0

grants_action_by(group, server, action) if action in data.mcp.grants[group][server]

grants_action_by(group, _, action) if action in data.mcp.grants[group]["*"]

# Actions that change or run something (as opposed to read).
changes_state(action) if action in {"write", "execute"}

# Names (hostname, else id) of the CORE devices among resource.devices, sorted.
core_devices(resource) := sorted if {
	devices := object.get(resource, "devices", [])
	is_array(devices)
	sorted := sort([name |
		some d in devices
		is_object(d)
		upper(object.get(d, "role", "")) == "CORE"
		name := device_name(d)
	])
}

device_name(d) := d.hostname if has_string(d, "hostname")

device_name(d) := d.id if {
	not has_string(d, "hostname")
	has_string(d, "id")
}

device_name(d) := "(unnamed)" if {
	not has_string(d, "hostname")
	not has_string(d, "id")
}

# True when obj[key] is a string. (A helper, so that `not has_string(…)` is
# true for a missing key: `not` over a builtin call with an undefined argument
# is itself undefined.)
has_string(obj, key) if is_string(obj[key])

valid_action(request) if request.action in valid_actions

# --- deny reasons: each names one rule the request breaks

deny_reasons contains msg if {
	not required_scope in subject_scopes
	msg := concat("", ["missing required scope ", required_scope])
}

deny_reasons contains msg if {
	not has_string(input, "server")
	msg := "request has no server"
}

deny_reasons contains msg if {
	not valid_action(input)
	msg := "action must be one of execute, read, write"
}

deny_reasons contains msg if {
	has_string(input, "server")
	valid_action(input)
	not grants_action(subject_groups, input.server, input.action)
	msg := concat("", ["no group of the subject grants ", input.action, " on server ", input.server])
}

# Deploying to CORE devices (write/execute on network) is admin-only.
deny_reasons contains msg if {
	input.server == "network"
	changes_state(input.action)
	cores := core_devices(request_resource)
	count(cores) > 0
	not is_admin(subject_groups)
	msg := concat("", ["deploying to CORE devices requires group admin: ", concat(", ", cores)])
}
