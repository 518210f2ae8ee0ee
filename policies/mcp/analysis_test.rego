package mcp.authz_test

import data.mcp.authz

# --- fixtures

analysis_call(groups, tool, action, args) := {
	"subject": {"id": "nina", "groups": groups, "scopes": ["mcp:tools"], "client_id": "agent-x"},
	"server": "analysis",
	"tool": tool,
	"action": action,
	"arguments": args,
	"context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
}

an_acc := {"id": "dev-acc", "role": "ACCESS", "hostname": "sjc01-acc-01"}

an_dist := {"id": "dev-dist", "role": "DISTRIBUTION", "hostname": "sjc01-dist-01"}

an_core := {"id": "dev-core", "role": "CORE", "hostname": "sjc01-core-01"}

an_run(groups, command, devices) := object.union(
	analysis_call(groups, "run_show_command", "execute", {"command": command, "device_ids": [d.id | some d in devices]}),
	{"resource": {"devices": devices}},
)

# --- grants

test_engineers_and_service_desk_may_read_analysis if {
	authz.decision.allow with input as analysis_call(["network-engineers"], "get_network_health", "read", {})
	authz.decision.allow with input as analysis_call(["service-desk"], "list_issues", "read", {})
}

test_developers_and_no_group_see_no_analysis_tool if {
	not authz.decision.allow with input as analysis_call(["developers"], "get_network_health", "read", {})
	not authz.decision.allow with input as analysis_call([], "get_network_health", "read", {})
}

test_nobody_writes_through_analysis_but_admin_grants if {
	not authz.decision.allow with input as analysis_call(["network-engineers"], "get_network_health", "write", {})
}

test_tools_list_probe_allows_command_runner if {
	authz.decision.allow with input as analysis_call(["service-desk"], "run_show_command", "execute", {})
}

# --- the command allow-list

test_allow_listed_commands_are_allowed if {
	authz.decision.allow with input as an_run(["network-engineers"], "show version", [an_acc])
	authz.decision.allow with input as an_run(["network-engineers"], "show running-config", [an_acc])
	authz.decision.allow with input as an_run(["network-engineers"], "show interfaces GigabitEthernet1/0/24", [an_acc])
	authz.decision.allow with input as an_run(["network-engineers"], "show ip interface brief", [an_acc])
	authz.decision.allow with input as an_run(["network-engineers"], "  SHOW   Version ", [an_acc])
}

test_arguments_only_where_the_entry_allows_them if {
	not authz.decision.allow with input as an_run(["network-engineers"], "show version detail", [an_acc])
	authz.decision.allow with input as an_run(["network-engineers"], "show running-config interface GigabitEthernet1/0/1", [an_acc])
	not authz.decision.allow with input as an_run(["network-engineers"], "show interfaces a b c d", [an_acc])
}

test_abbreviations_are_refused if {
	not authz.decision.allow with input as an_run(["admin"], "sh run", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show run", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "conf t", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show ver", [an_acc])
}

test_configuration_and_disruptive_commands_are_refused_with_reason if {
	d := authz.decision with input as an_run(["admin"], "configure terminal", [an_acc])
	not d.allow
	d.reasons == ["command contains denied word(s): configure, terminal", "command is not on the read-only allow-list: configure terminal"]
	not authz.decision.allow with input as an_run(["admin"], "reload", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "debug all", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "copy running-config tftp", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "write memory", [an_acc])
}

test_smuggling_is_refused if {
	not authz.decision.allow with input as an_run(["admin"], "show running-config | redirect flash:x", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show running-config | include secret", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show version; reload", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show version\nreload", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show version\rreload", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show version\treload", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show version > flash:x", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show version && reload", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show interfaces `reload`", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show interfaces $(reload)", [an_acc])
}

test_unicode_look_alikes_are_refused if {
	# Cyrillic "ѕ" (U+0455) and "о" (U+043E), fullwidth "ｓ", no-break space, zero-width space.
	not authz.decision.allow with input as an_run(["admin"], "ѕhow version", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "shоw version", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "ｓhow version", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show\u00a0version", [an_acc])
	not authz.decision.allow with input as an_run(["admin"], "show\u200bversion", [an_acc])
	d := authz.decision with input as an_run(["admin"], "ѕhow version", [an_acc])
	d.reasons == ["command contains characters outside letters, digits, spaces and . / _ - (no pipes, separators, newlines or look-alike characters)"]
}

test_denied_words_are_refused_even_as_arguments if {
	d := authz.decision with input as an_run(["admin"], "show interfaces redirect", [an_acc])
	not d.allow
	d.reasons == ["command contains denied word(s): redirect"]
}

test_no_allow_list_configured_denies_every_command if {
	not authz.decision.allow with input as an_run(["admin"], "show version", [an_acc])
		with data.mcp.analysis as {}
}

# --- device scope

test_service_desk_may_analyse_access_devices_only if {
	authz.decision.allow with input as an_run(["service-desk"], "show version", [an_acc])
	d := authz.decision with input as an_run(["service-desk"], "show version", [an_acc, an_dist])
	not d.allow
	d.reasons == ["device(s) outside the caller's analysis scope: sjc01-dist-01 (DISTRIBUTION)"]
}

test_network_engineers_may_analyse_all_but_core if {
	authz.decision.allow with input as an_run(["network-engineers"], "show version", [an_acc, an_dist])
	d := authz.decision with input as an_run(["network-engineers"], "show version", [an_core])
	not d.allow
	d.reasons == ["device(s) outside the caller's analysis scope: sjc01-core-01 (CORE)"]
}

test_admin_may_analyse_core if {
	authz.decision.allow with input as an_run(["admin"], "show version", [an_core])
}

test_scope_is_the_union_of_the_callers_groups if {
	authz.decision.allow with input as an_run(["service-desk", "network-engineers"], "show version", [an_dist])
}

test_role_match_ignores_case_and_missing_role_is_out_of_scope if {
	authz.decision.allow with input as an_run(["service-desk"], "show version", [{"id": "x", "role": "access", "hostname": "h"}])
	not authz.decision.allow with input as an_run(["network-engineers"], "show version", [{"id": "x", "hostname": "h"}])
}

test_device_tool_without_resolved_devices_is_denied if {
	d := authz.decision with input as analysis_call(["admin"], "get_config_changes", "read", {"device_id": "dev-acc"})
	not d.allow
	d.reasons == ["the target devices were not resolved, so the device scope cannot be checked"]
}

test_device_scope_applies_to_interface_counters_and_config_changes if {
	not authz.decision.allow with input as object.union(
		analysis_call(["service-desk"], "get_interface_counters", "execute", {"device_id": "dev-core", "interface": "Te1/0/1"}),
		{"resource": {"devices": [an_core]}},
	)
	not authz.decision.allow with input as object.union(
		analysis_call(["network-engineers"], "get_config_changes", "read", {"device_id": "dev-core"}),
		{"resource": {"devices": [an_core]}},
	)
}

test_tools_without_devices_are_not_scoped if {
	authz.decision.allow with input as analysis_call(["service-desk"], "start_path_trace", "execute", {"source_ip": "10.10.120.5", "dest_ip": "10.20.110.9"})
}

test_analysis_rules_do_not_touch_other_servers if {
	authz.decision.allow with input as object.union(
		analysis_call(["network-engineers"], "list_devices", "read", {"command": "reload"}),
		{"server": "network"},
	)
}
