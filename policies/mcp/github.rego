# GitHub tool restrictions (server "github"), combined with the grants and
# rules of authz.rego in the same package:
#   - writes only to organizations listed in data.mcp.github.allowed_write_orgs;
#   - never to a repository's default branch directly: the server resolves the
#     default branch into input.resource.repository.default_branch, and a
#     branch write without it is denied.
package mcp.authz

# Organizations (or users) whose repositories GitHub tools may change; compared case-insensitively.
default github_allowed_write_orgs := []

github_allowed_write_orgs := data.mcp.github.allowed_write_orgs if is_array(data.mcp.github.allowed_write_orgs)

# Arguments of the call; defaulted so a missing field denies instead of erroring.
default request_arguments := {}

request_arguments := input.arguments if is_object(input.arguments)

# A GitHub request that changes state.
github_write(request) if {
	request.server == "github"
	changes_state(request.action)
}

# True when `owner` is one of the allowed write organizations.
allowed_write_org(owner, allowed) if lower(owner) in {lower(o) | some o in allowed}

# The branch a write targets, without a leading refs/heads/.
target_branch(args) := trim_prefix(args.branch, "refs/heads/") if has_string(args, "branch")

# The default branch the server resolved for the policy, if any.
resolved_default_branch(resource) := resource.repository.default_branch if {
	is_object(resource.repository)
	has_string(resource.repository, "default_branch")
}

deny_reasons contains msg if {
	github_write(input)
	has_string(request_arguments, "owner")
	not allowed_write_org(request_arguments.owner, github_allowed_write_orgs)
	msg := concat("", ["writes to GitHub organization ", request_arguments.owner, " are not allowed"])
}

deny_reasons contains msg if {
	github_write(input)
	branch := target_branch(request_arguments)
	branch == resolved_default_branch(request_resource)
	msg := concat("", ["writing to the default branch ", branch, " directly is not allowed; use a branch and a pull request"])
}

deny_reasons contains msg if {
	github_write(input)
	target_branch(request_arguments)
	not resolved_default_branch(request_resource)
	msg := "the repository's default branch is unknown, so a branch write cannot be checked"
}
