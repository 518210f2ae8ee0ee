package system.log_test

import data.system.log

test_tool_arguments_are_masked_in_decision_logs if {
	"/input/arguments" in log.mask with input as {"input": {"tool": "commit_file", "arguments": {"content": "ghp_secret"}}}
}

test_only_arguments_are_masked if {
	masked := log.mask with input as {"input": {"tool": "list_devices", "arguments": {}}}
	masked == {"/input/arguments"}
}
