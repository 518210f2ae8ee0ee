# Network analysis rules (server "analysis", services/mcp-analysis), combined
# with the grants and rules of authz.rego in the same package:
#   - Command Runner: a command is allowed only when it is on the allow-list in
#     data.mcp.analysis.allowed_commands (full keywords, no abbreviations),
#     uses only plain ASCII letters, digits, spaces and . / _ - (no pipes,
#     redirections, separators, newlines or look-alike characters), and
#     contains no denied word (data.mcp.analysis.denied_words) anywhere.
#   - Device scope: tools that touch devices (data.mcp.analysis.device_tools)
#     need every target device's role within the scope of one of the caller's
#     groups (data.mcp.analysis.device_scope; "*" = every role). The server
#     resolves the targets into input.resource.devices; without them the call
#     is denied (fail closed).
# The server enforces the same command grammar in code (defence in depth).
package mcp.authz

analysis_request(request) if request.server == "analysis"

default analysis_data := {}

analysis_data := data.mcp.analysis if is_object(data.mcp.analysis)

analysis_list(key) := object.get(analysis_data, key, [])

# Characters a command may contain at all.
analysis_command_charset := `^[A-Za-z0-9 ./_-]+$`

# Most arguments after an allow-listed command.
analysis_max_arguments := 3

# The command of a call, when it has one.
analysis_command(args) := args.command if has_string(args, "command")

# Words of a command: lower case, split on single spaces, empty words dropped.
analysis_words(command) := [w |
	some raw in split(command, " ")
	w := lower(raw)
	w != ""
]

# True when `words` start with the allow-list entry `entry` and add at most
# the arguments it permits.
analysis_matches_entry(words, entry) if {
	prefix := analysis_words(entry.command)
	count(words) >= count(prefix)
	array.slice(words, 0, count(prefix)) == prefix
	analysis_extra_ok(count(words) - count(prefix), entry)
}

analysis_extra_ok(0, _)

analysis_extra_ok(n, entry) if {
	n > 0
	n <= analysis_max_arguments
	object.get(entry, "arguments", false) == true
}

analysis_allowed_command(command) if {
	some entry in analysis_list("allowed_commands")
	analysis_matches_entry(analysis_words(command), entry)
}

analysis_denied_words(command) := sort([w |
	some w in analysis_words(command)
	w in {lower(d) | some d in analysis_list("denied_words")}
])

deny_reasons contains msg if {
	analysis_request(input)
	command := analysis_command(request_arguments)
	not regex.match(analysis_command_charset, command)
	msg := "command contains characters outside letters, digits, spaces and . / _ - (no pipes, separators, newlines or look-alike characters)"
}

deny_reasons contains msg if {
	analysis_request(input)
	command := analysis_command(request_arguments)
	regex.match(analysis_command_charset, command)
	not analysis_allowed_command(command)
	msg := concat("", ["command is not on the read-only allow-list: ", lower(command)])
}

deny_reasons contains msg if {
	analysis_request(input)
	command := analysis_command(request_arguments)
	denied := analysis_denied_words(command)
	count(denied) > 0
	msg := concat("", ["command contains denied word(s): ", concat(", ", denied)])
}

# --- device scope

# The device roles the caller's groups may analyse (upper case; "*" = all).
analysis_scope_roles(groups) := {upper(r) |
	some g in groups
	some r in object.get(object.get(analysis_data, "device_scope", {}), g, [])
}

analysis_in_scope(_, roles) if "*" in roles

analysis_in_scope(device, roles) if upper(object.get(device, "role", "")) in roles

analysis_device_tool(request) if request.tool in analysis_list("device_tools")

# Names of resource.devices outside the caller's scope, sorted.
analysis_out_of_scope(resource, groups) := sort([name |
	devices := object.get(resource, "devices", [])
	is_array(devices)
	some d in devices
	is_object(d)
	not analysis_in_scope(d, analysis_scope_roles(groups))
	name := concat("", [device_name(d), " (", object.get(d, "role", "no role"), ")"])
])

deny_reasons contains msg if {
	analysis_request(input)
	analysis_device_tool(input)
	outside := analysis_out_of_scope(request_resource, subject_groups)
	count(outside) > 0
	msg := concat("", ["device(s) outside the caller's analysis scope: ", concat(", ", outside)])
}

# True when the server resolved the target devices (a helper: `not` over a
# builtin with an undefined argument would be undefined, not true).
analysis_has_devices(resource) if is_array(resource.devices)

# A device tool called with arguments must come with its resolved devices.
deny_reasons contains msg if {
	analysis_request(input)
	analysis_device_tool(input)
	count(request_arguments) > 0
	not analysis_has_devices(request_resource)
	msg := "the target devices were not resolved, so the device scope cannot be checked"
}
