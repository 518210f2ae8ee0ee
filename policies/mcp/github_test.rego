package mcp.authz_test

import data.mcp.authz

# --- fixtures

github_call(groups, tool, action, args) := {
	"subject": {"id": "dave", "groups": groups, "scopes": ["mcp:tools"], "client_id": "agent-x", "acr": "mfa", "auth_age_seconds": 60},
	"server": "github",
	"tool": tool,
	"action": action,
	"arguments": args,
	"context": {"request_id": "req-1", "time": "2026-11-22T10:00:00Z"},
}

with_default_branch(request, branch) := object.union(request, {"resource": {"repository": {"default_branch": branch}}})

commit(groups, owner, branch, default_branch) := with_default_branch(
	github_call(groups, "commit_file", "write", {"owner": owner, "repo": "network-templates", "branch": branch, "path": "a.j2"}),
	default_branch,
)

# --- grants

test_developers_read_and_write_github if {
	authz.decision.allow with input as github_call(["developers"], "list_repositories", "read", {})
	authz.decision.allow with input as github_call(["developers"], "create_issue", "write", {})
}

test_network_engineers_only_read_github if {
	authz.decision.allow with input as github_call(["network-engineers"], "get_file", "read", {"owner": "acme-net"})
	not authz.decision.allow with input as github_call(["network-engineers"], "create_issue", "write", {"owner": "acme-net"})
}

test_service_desk_sees_no_github_tool if {
	not authz.decision.allow with input as github_call(["service-desk"], "list_repositories", "read", {})
}

# --- allowed organizations

test_developer_writes_to_allowed_org if {
	authz.decision.allow with input as github_call(["developers"], "create_issue", "write", {"owner": "acme-apps", "repo": "payments-api", "title": "x"})
}

test_allowed_org_match_ignores_case if {
	authz.decision.allow with input as github_call(["developers"], "create_issue", "write", {"owner": "ACME-Net", "repo": "r", "title": "x"})
}

test_write_to_other_org_is_denied_with_reason if {
	d := authz.decision with input as github_call(["developers"], "create_issue", "write", {"owner": "acme-legacy", "repo": "mainframe-bridge", "title": "x"})
	not d.allow
	d.reasons == ["writes to GitHub organization acme-legacy are not allowed"]
}

test_admin_is_held_to_allowed_orgs_too if {
	not authz.decision.allow with input as github_call(["admin"], "create_pull_request", "write", {"owner": "someone-else", "repo": "r", "title": "x", "head": "b"})
}

test_reads_of_other_orgs_are_allowed if {
	authz.decision.allow with input as github_call(["developers"], "get_file", "read", {"owner": "acme-legacy", "repo": "mainframe-bridge", "path": "README.md"})
}

test_no_allowed_orgs_configured_denies_every_owner if {
	not authz.decision.allow with input as github_call(["developers"], "create_issue", "write", {"owner": "acme-apps", "repo": "r", "title": "x"})
		with data.mcp.github as {}
}

test_tools_list_probe_without_arguments_allows_write_tools if {
	authz.decision.allow with input as github_call(["developers"], "commit_file", "write", {})
}

# --- default branch

test_commit_to_feature_branch_is_allowed if {
	authz.decision.allow with input as commit(["developers"], "acme-net", "feature/qos", "main")
}

test_commit_to_default_branch_is_denied if {
	d := authz.decision with input as commit(["developers"], "acme-net", "main", "main")
	not d.allow
	d.reasons == ["writing to the default branch main directly is not allowed; use a branch and a pull request"]
}

test_commit_to_default_branch_given_as_full_ref_is_denied if {
	not authz.decision.allow with input as commit(["developers"], "acme-net", "refs/heads/main", "main")
}

test_default_branch_rule_uses_the_resolved_branch_not_main if {
	authz.decision.allow with input as commit(["developers"], "acme-apps", "main", "develop")
	not authz.decision.allow with input as commit(["developers"], "acme-apps", "develop", "develop")
}

test_admin_cannot_commit_to_default_branch_either if {
	not authz.decision.allow with input as commit(["admin"], "acme-net", "main", "main")
}

test_create_branch_named_like_default_branch_is_denied if {
	not authz.decision.allow with input as with_default_branch(
		github_call(["developers"], "create_branch", "write", {"owner": "acme-net", "repo": "r", "branch": "main"}),
		"main",
	)
}

test_branch_write_without_resolved_default_branch_is_denied if {
	d := authz.decision with input as github_call(["developers"], "commit_file", "write", {"owner": "acme-net", "repo": "r", "branch": "feature/x", "path": "a"})
	not d.allow
	d.reasons == ["the repository's default branch is unknown, so a branch write cannot be checked"]
}

test_both_github_rules_report_together if {
	d := authz.decision with input as commit(["developers"], "acme-legacy", "master", "master")
	count(d.reasons) == 2
}

test_github_rules_do_not_touch_other_servers if {
	authz.decision.allow with input as object.union(github_call(["network-engineers"], "deploy_template", "write", {"owner": "acme-legacy", "branch": "main"}), {"server": "network"})
}

test_write_without_arguments_field_falls_back_to_grants if {
	authz.decision.allow with input as object.remove(github_call(["developers"], "create_issue", "write", {}), ["arguments"])
}
